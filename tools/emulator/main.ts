import { Command, InvalidArgumentError } from 'commander';
import { directoryFromFile } from './fixture';
import { generateDirectory } from './generator';
import { startEmulator } from './server';

const int =
  (name: string, min = 0) =>
  (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };

const program = new Command('wecom-emulator')
  .description('A local WeCom (企业微信) for tests, benchmarks and demos. Prints one JSON line with its base URL and credentials when ready.')
  .option('--port <port>', 'port to listen on (0 = any free port)', int('--port'), 0)
  .option('--host <host>', 'interface to bind', '127.0.0.1')
  .option('--corp-id <id>', 'corp ID', 'wwemulator0000001')
  .option('--agent-id <n>', "the self-built app's AgentId", int('--agent-id', 1), 1000002)
  .option('--secret <secret>', "the app's secret (random when omitted)")
  .option('--contact-secret <secret>', 'the contact-sync secret (random when omitted)')
  .option('--members <n>', 'members to generate', int('--members'), 50)
  .option('--departments <m>', 'departments to generate', int('--departments', 1), 10)
  .option('--seed <s>', 'generator seed (same seed, same corp)', int('--seed'), 1)
  .option('--fixture <file>', 'load a hand-made directory (JSON) instead of generating one')
  .option('--trusted-domain <host:port>', "the app's trusted domain; omitted = any redirect host")
  .option('--trusted-ips <list>', 'comma-separated caller IPs allowed to call data APIs (60020 otherwise)')
  .option('--token-ttl <seconds>', 'access token lifetime', int('--token-ttl', 1), 7200)
  .option('--rate-limit <n>', 'calls per corp per API per window before 45009 (the per-IP and hourly limits scale with it)', int('--rate-limit', 1), 10_000)
  .option('--rate-window-ms <ms>', 'rate-limit window', int('--rate-window-ms', 1), 60_000)
  .option('--latency-ms <ms>', 'added to every API call (±50% jitter), as WeCom answers a server in production', int('--latency-ms'), 0)
  .option('--contact-sync-new-ip', 'the contact-sync secret is used from a new IP: detail APIs answer 48009', false)
  .option('--old-app', 'the app was created before 2022-06-20 and still reads mobiles and emails', false)
  .option('--callback-url <url>', 'where to send change_contact events')
  .option('--callback-token <token>', 'callback Token')
  .option('--callback-aes-key <key>', 'callback EncodingAESKey (43 characters)')
  .option('--callback-reduced', 'send post-2022-08-15 reduced event payloads', false);

async function main(): Promise<void> {
  const o = program.parse().opts();
  if (o.callbackUrl && (!o.callbackToken || !o.callbackAesKey)) program.error('--callback-url needs --callback-token and --callback-aes-key');
  const directory = o.fixture ? directoryFromFile(o.fixture) : generateDirectory({ members: o.members, departments: o.departments, seed: o.seed });
  const emu = await startEmulator({
    port: o.port,
    host: o.host,
    corpId: o.corpId,
    agentId: o.agentId,
    secret: o.secret,
    contactSecret: o.contactSecret,
    trustedDomain: o.trustedDomain ?? null,
    directory,
    app: { createdAfter20220620: !o.oldApp },
    policy: {
      tokenTtlSeconds: o.tokenTtl,
      rateLimitPerMinute: o.rateLimit,
      // WeCom's proportions: 20,000 per IP a minute and 150,000 per corp an hour for 10,000 per corp a minute.
      ipRateLimitPerMinute: o.rateLimit * 2,
      rateLimitPerHour: o.rateLimit * 15,
      rateWindowMs: o.rateWindowMs,
      latencyMs: o.latencyMs,
      trustedIps: o.trustedIps
        ? String(o.trustedIps)
            .split(',')
            .map((s: string) => s.trim())
        : null,
      contactSyncFromNewIp: o.contactSyncNewIp,
    },
    callbacks: o.callbackUrl ? { url: o.callbackUrl, token: o.callbackToken, encodingAesKey: o.callbackAesKey, reduced: o.callbackReduced } : undefined,
  });
  process.stdout.write(
    `${JSON.stringify({
      ready: true,
      baseUrl: emu.baseUrl,
      corpId: emu.corpId,
      agentId: emu.agentId,
      secret: emu.secret,
      contactSecret: emu.contactSecret,
      members: emu.directory.memberCount,
      departments: emu.directory.departmentCount,
      admin: `${emu.baseUrl}/_emulator/state`,
    })}\n`,
  );
  const stop = () => void emu.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  process.stderr.write(`wecom-emulator: ${(error as Error).message}\n`);
  process.exit(1);
});
