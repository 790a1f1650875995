import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Command, InvalidArgumentError } from 'commander';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { toAdminView } from '../../src/auth/authenticators/authenticator.mapper';
import { AuthenticatorsService } from '../../src/auth/authenticators/authenticators.service';
import { loadConfig } from '../../src/config/load-config';
import { describeStartupError } from '../../src/startup-error';
import { printSummary, withProgressBar } from '../../src/sync/runs/run-report';
import { SyncRunsRepository } from '../../src/sync/runs/sync-runs.repository';
import { SyncService } from '../../src/sync/sync.service';
import { startEmulator, type WecomEmulator } from '../emulator';
import { DirectoryStore } from './directory-store';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { ensureWecomAuthenticator, NOCOBASE_ROOT, NOCOBASE_VERSION, startNocobase, type DemoNocobase } from './nocobase';
import { nocobaseFixtureSql } from './nocobase-fixture';
import { mountInClientStart, mountStandIn } from './pages';

interface DemoOptions {
  port: number;
  nocobasePort: number;
  reset?: boolean;
  standIn?: boolean;
  members: number;
  departments: number;
  dataDir: string;
}

/** Secrets a demo keeps between runs, so sealed values and issued tokens stay valid. */
interface DemoSecrets {
  bridgeSecretKey: string;
  /** NocoBase's APP_KEY (its JWT secret), which the bridge signs sessions with. */
  nocobaseJwtSecret: string;
  adminKey: string;
  callbackToken: string;
  callbackAesKey: string;
}

/** The bridge's authenticator, and the NocoBase authenticator (type wecom-bridge) its sessions belong to. */
const AUTHENTICATOR = 'wecom';
const TITLE = '企业微信';

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65534) throw new InvalidArgumentError('a port is 1–65534 (the emulator takes the next one)');
  return n;
};
const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

function secretsIn(dir: string): DemoSecrets {
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const token = (n: number) => randomBytes(n).toString('base64url');
  const secrets: DemoSecrets = {
    bridgeSecretKey: token(36),
    nocobaseJwtSecret: token(24),
    adminKey: token(24),
    callbackToken: randomBytes(12).toString('hex'),
    callbackAesKey: randomBytes(43)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, 'a')
      .slice(0, 43),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Resident memory of a process and its descendants, in MB (Linux /proc; null elsewhere). */
function rssMb(pid: number): number | null {
  try {
    const own = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    let total = own;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) total += (rssMb(Number(child)) ?? 0) * 1024;
    }
    return Math.round(total / 1024);
  } catch {
    return null;
  }
}

async function demo(options: DemoOptions): Promise<void> {
  const began = Date.now();
  const dataDir = resolve(options.dataDir);
  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const secrets = secretsIn(dataDir);
  const standIn = Boolean(options.standIn);
  const bridgeUrl = `http://127.0.0.1:${options.port}`;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  // Ctrl-C at any time stops what has started; during the start-up the demo then exits at once.
  let up = false;
  const stopped = new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log('\nstopping the demo…');
      void stopAll().then(() => (up ? resolveStop() : process.exit(130)));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const timings: Record<string, number> = {};
  const lap = (label: string, since: number) => (timings[label] = Math.round((Date.now() - since) / 100) / 10);
  if (!standIn && process.env.DATABASE_URL) console.log('DATABASE_URL is ignored without --stand-in: NocoBase installs itself into the embedded database.');

  try {
    // The database. Stand-in: NocoBase's schema from the tests' 2.2.15 dump. Real: an empty database that NocoBase's
    // own `install -f` fills; a half-prepared one (an interrupted first run) is started afresh.
    let databaseUrl = standIn ? process.env.DATABASE_URL : undefined;
    let embedded: EmbeddedPostgres | null = null;
    if (!databaseUrl) {
      const started = Date.now();
      const dbDir = join(dataDir, standIn ? 'stand-in-db' : 'nocobase-db');
      if (!standIn && !existsSync(join(dataDir, 'nocobase', 'prepared.json'))) rmSync(dbDir, { recursive: true, force: true });
      embedded = await startEmbeddedPostgres({
        dataDir: dbDir,
        nocobaseSql: standIn ? nocobaseFixtureSql('snake') : undefined,
        // One database (the bridge writes NocoBase's users), a port each: their transactions are serialised.
        groups: standIn ? ['bridge'] : ['bridge', 'nocobase'],
        selfWaiting: ['nocobase'],
      });
      stops.push(() => embedded!.stop());
      databaseUrl = embedded.urls.bridge;
      lap('database', started);
    }

    // The company: generated on the first run, then kept (with every edit) in wecom-directory.json.
    const store = new DirectoryStore(join(dataDir, 'wecom-directory.json'));
    const { directory, generated } = store.load({ members: options.members, departments: options.departments, seed: 2026 });
    const emulator: WecomEmulator = await startEmulator({ port: options.port + 1, directory });
    store.follow(directory);
    stops.push(async () => {
      store.flush(directory);
      await emulator.close();
    });

    let nocobase: DemoNocobase | null = null;
    if (!standIn) {
      const started = Date.now();
      nocobase = await startNocobase(
        { dataDir, databaseUrl: embedded?.urls.nocobase ?? databaseUrl, port: options.nocobasePort, appKey: secrets.nocobaseJwtSecret },
        (stop) => stops.push(stop),
      );
      lap('nocobase', started);
      Object.assign(timings, Object.fromEntries(Object.entries(nocobase.timings).map(([k, v]) => [`nocobase.${k}`, v])));
    }
    const origin = nocobase?.url ?? bridgeUrl;

    const started = Date.now();
    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      // PGlite's connections share one backend session; a small pool keeps its serialised transactions short.
      DATABASE_POOL_SIZE: embedded ? '4' : undefined,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      BRIDGE_PUBLIC_URL: bridgeUrl,
      BRIDGE_SECRET_KEY: secrets.bridgeSecretKey,
      BRIDGE_ADMIN_API_KEY: secrets.adminKey,
      NOCOBASE_JWT_SECRET: secrets.nocobaseJwtSecret,
      NOCOBASE_URL: nocobase?.url,
      WECOM_API_BASE_URL: emulator.baseUrl,
      WECOM_OAUTH_BASE_URL: emulator.baseUrl,
      WECOM_LOGIN_BASE_URL: emulator.baseUrl,
      WECOM_AUTHENTICATOR_NAME: AUTHENTICATOR,
      WECOM_AUTHENTICATOR_TITLE: TITLE,
      WECOM_CORP_ID: emulator.corpId,
      WECOM_AGENT_ID: String(emulator.agentId),
      WECOM_SECRET: emulator.secret,
      WECOM_CONTACT_SECRET: emulator.contactSecret ?? undefined,
      // Logins land on NocoBase (or on the stand-in the bridge serves itself); WeCom comes back to the bridge.
      WECOM_ORIGIN: origin,
      WECOM_BRIDGE_URL: bridgeUrl,
      // The plugin's authenticator (type wecom-bridge): NocoBase checks and renews the sessions the bridge hands over.
      WECOM_NOCOBASE_AUTHENTICATOR: nocobase ? AUTHENTICATOR : 'basic',
      WECOM_PROVISION_ON_SYNC: 'true',
      WECOM_AUTO_SIGN_UP: 'true',
      WECOM_CALLBACK_TOKEN: secrets.callbackToken,
      WECOM_CALLBACK_AES_KEY: secrets.callbackAesKey,
      PHONE_DEFAULT_REGION: 'CN',
    });
    const app = configureApp(await NestFactory.create(AppModule.forRoot(config), { logger: ['error'] }), { shutdownHooks: false });
    mountInClientStart(app, AUTHENTICATOR);
    if (standIn) mountStandIn(app, { jwtSecret: secrets.nocobaseJwtSecret, authenticatorName: AUTHENTICATOR });
    await app.listen(options.port, '127.0.0.1');
    stops.push(() => app.close());
    lap('bridge', started);

    if (nocobase) await ensureWecomAuthenticator(nocobase, AUTHENTICATOR, { bridgeUrl, bridgeAuthenticator: AUTHENTICATOR, title: TITLE });

    // WeCom's contact-change callbacks go to the bridge, so emulator edits reach NocoBase within seconds.
    emulator.callbacks.configure({
      url: `${bridgeUrl}/api/wecom/${AUTHENTICATOR}/events`,
      token: secrets.callbackToken,
      encodingAesKey: secrets.callbackAesKey,
      reduced: true,
    });

    const syncStarted = Date.now();
    const authenticator = await app.get(AuthenticatorsService).get(AUTHENTICATOR);
    const { run, done } = await app.get(SyncService).trigger(authenticator, 'cli');
    const finished = process.stdout.isTTY ? await withProgressBar(app.get(SyncRunsRepository), run.id, done) : await done;
    printSummary(finished);
    lap('sync', syncStarted);
    lap('total', began);

    const rss = { demo: rssMb(process.pid), nocobase: nocobase ? rssMb(nocobase.pid) : null };
    const someone = [...emulator.directory.allMembers()].find((m) => m.status === 1)?.userid ?? '<userid>';
    const urls = {
      bridge: bridgeUrl,
      emulator: emulator.baseUrl,
      nocobase: nocobase?.url ?? null,
      signIn: `${origin}/signin`,
      qrLogin: `${bridgeUrl}/api/wecom/${AUTHENTICATOR}/login?redirect=/admin`,
      inClient: `${bridgeUrl}/demo/in-client?as=${encodeURIComponent(someone)}`,
    };
    printGuide({
      options,
      urls,
      someone,
      secrets,
      dataDir,
      embeddedUrls: embedded?.urls ?? null,
      directoryFile: store.file,
      directoryGenerated: generated,
      wecomConsole: toAdminView(authenticator).wecomConsole,
      rss,
      timings,
      nocobaseLog: nocobase?.logFile ?? null,
    });
    console.log(`READY ${JSON.stringify({ ...urls, adminKey: secrets.adminKey, embeddedDatabase: embedded?.urls.bridge ?? null, standIn, rss, timings })}`);
  } catch (error) {
    await stopAll();
    throw error;
  }

  up = true;
  await stopped;
}

interface Guide {
  options: DemoOptions;
  urls: { bridge: string; emulator: string; nocobase: string | null; signIn: string; qrLogin: string; inClient: string };
  someone: string;
  secrets: DemoSecrets;
  dataDir: string;
  embeddedUrls: Record<string, string> | null;
  directoryFile: string;
  directoryGenerated: boolean;
  wecomConsole: { trustedDomain: string; redirectUri: string; workbenchHomepage: string; eventsUrl: string };
  rss: { demo: number | null; nocobase: number | null };
  timings: Record<string, number>;
  nocobaseLog: string | null;
}

function printGuide(g: Guide): void {
  const { urls, secrets } = g;
  const key = secrets.adminKey;
  const nocobase = urls.nocobase
    ? `  NocoBase ${NOCOBASE_VERSION} sign-in       ${urls.signIn}
                                 the ${TITLE} button → the emulator's QR page (search, pick a member) → NocoBase's UI as them
                                 NocoBase's root: ${NOCOBASE_ROOT.email} / ${NOCOBASE_ROOT.password} (the password form)`
    : `  Sign-in (stand-in)          ${urls.signIn}
                                 a page the bridge serves where NocoBase would be (--stand-in); a login lands on
                                 ${urls.bridge}/admin, which shows the session token and the binding`;
  const memory = [
    g.rss.demo === null ? null : `demo process ${g.rss.demo} MB (bridge, emulator, PGlite)`,
    g.rss.nocobase === null ? null : `NocoBase ${g.rss.nocobase} MB`,
  ]
    .filter(Boolean)
    .join(', ');
  console.log(`
wecom-bridge demo is running${urls.nocobase ? ` with NocoBase ${NOCOBASE_VERSION}` : ' (stand-in for NocoBase)'} — ready in ${g.timings.total} s; Ctrl-C stops everything

${nocobase}
  In-client login (WeCom app)   ${urls.inClient}
                                 starts the login as the WeCom client would (a fresh state each time), as member ${g.someone};
                                 change as= to be someone else, or drop it to pick
  WeCom emulator                ${urls.emulator}/_emulator/state   (its admin API: README, "The WeCom emulator")
  QR login (at the bridge)      ${urls.qrLogin}

  WeCom admin console           what a real self-built app would be given (GET /api/admin/authenticators/${AUTHENTICATOR} → wecomConsole):
    trusted domain (可信域名, 授权回调域)  ${g.wecomConsole.trustedDomain}
    OAuth redirect URI                  ${g.wecomConsole.redirectUri}
    homepage (应用主页)                   ${g.wecomConsole.workbenchHomepage}
    callback URL (接收事件服务器 URL)       ${g.wecomConsole.eventsUrl}

  Admin API                     ${urls.bridge}/api/admin/…   Authorization: Bearer ${key}
    bindings                    curl -H 'Authorization: Bearer ${key}' ${urls.bridge}/api/admin/bindings
    sync again                  curl -X POST -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' -d '{"authenticator":"${AUTHENTICATOR}"}' ${urls.bridge}/api/admin/sync-runs
  Change a member in WeCom      curl -X PATCH -H 'Content-Type: application/json' -d '{"name":"新名字"}' ${urls.emulator}/_emulator/members/${g.someone}
                                 (the contact-change event reaches the bridge; see GET /api/admin/sync-runs?trigger=event)
  OpenAPI                       ${urls.bridge}/api/docs
  Embedded database             ${
    g.embeddedUrls
      ? `${Object.entries(g.embeddedUrls)
          .map(([who, url]) => `${url} (${who})`)
          .join(', ')}
                                 PGlite: one database, a port per application; psql connects to either while the demo
                                 runs. One session: the applications' transactions are serialised, advisory locks
                                 exclude nothing (one bridge process only; README, "Quick start")`
      : 'none: DATABASE_URL'
  }
  Demo data                     ${g.dataDir}   (npm run demo -- --reset starts afresh)
    WeCom directory             ${g.directoryFile}   (${g.directoryGenerated ? 'generated now' : 'loaded'}; edits through the emulator are saved there)${g.nocobaseLog ? `\n    NocoBase's log              ${g.nocobaseLog}` : ''}
  Memory (RSS) at ready         ${memory ? `${memory}; both settle lower within a minute` : 'not measured on this system'}
  Start-up (s)                  ${Object.entries(g.timings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}
`);
}

const program = new Command('demo')
  .description("The whole product on this machine: NocoBase's real sign-in page with the WeCom button, the bridge, a WeCom emulator, embedded PostgreSQL")
  .option('--port <port>', 'bridge port; the emulator listens on the next one', port, 3000)
  .option('--nocobase-port <port>', "NocoBase's port", port, 13000)
  .option('--stand-in', 'no NocoBase: the bridge serves a light stand-in for its sign-in and landing pages (starts in seconds)')
  .option('--members <n>', 'members of the generated company (first run only: the company is then kept)', count, 300)
  .option('--departments <n>', 'departments of the generated company (first run only)', count, 30)
  .option('--data-dir <dir>', 'where the demo keeps its database, NocoBase storage, directory and secrets', '.demo')
  .option('--reset', 'wipe the demo data first')
  .action(demo);

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(describeStartupError(error) ?? error.message);
  process.exit(1);
});
