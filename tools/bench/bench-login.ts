/**
 * Login benchmark, side by side with NocoBase itself, in one run on one machine: the bridge's callback
 * (WeCom's redirect back with a code → the 302 into NocoBase with a session), and NocoBase's own
 * `POST /api/auth:signIn` with a password, on the live NocoBase 2.2.15 the compatibility suite installs
 * (both write NocoBase's sessions into the same database). States and codes are prepared beforehand,
 * so only the callback is timed; the emulator, the bridge (dist/, with the Dockerfile's heap budget) and
 * NocoBase each run in a process of their own. Prints one JSON line per level. Measured, never asserted.
 *
 *   npm run build && npm run bench:login -- [--users 100000] [--concurrency 1,10,100] [--rate 300] [--seconds 10]
 *   (bench:login installs NocoBase into .cache first when it is missing, as the compatibility suite does)
 * On a shared machine the load moves between runs: --baseline measures an older build (`git worktree add`, build it)
 * right beside this one, each level alternating between them, so that the two see the same machine.
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { startLiveNocobase } from '../../test/nocobase/live-nocobase';
import { withAdminClient } from '../../test/utils/pg-admin';
import { bridgeEnv, freePort, percentiles, positive, round, runCli, startBridgeServer, startEmulatorProcess, type EmulatorReady } from './harness';

const options = new Command('bench:login')
  .option('--users <n>', 'NocoBase users in the database (WeCom members synced in, then plain users to make up the count)', positive, 100_000)
  .option('--concurrency <list>', 'closed-loop levels: requests in flight at once', (v) => v.split(',').map(positive), [1, 10, 100])
  .option('--rate <n>', 'open-loop level: logins offered per second, whatever the answers', positive, 300)
  .option('--seconds <n>', 'how long each level runs', positive, 10)
  .option('--baseline <main.js>', "also measure another build of the bridge (e.g. main's dist/main.js) level by level in the same run, on the same database")
  .parse()
  .opts<{ users: number; concurrency: number[]; rate: number; seconds: number; baseline?: string }>();

const PASSWORD_USERS = 50;
const PASSWORD = 'Bench#Password2026';
const LIMITS = {
  // WeCom allows 10,000 auth/getuserinfo calls a minute per corp (166/s): the benchmark lifts that ceiling
  // on both sides, so what it measures is the bridge, not WeCom's quota.
  WECOM_RATE_LIMIT_PER_MINUTE: '100000',
  BRIDGE_THROTTLE_PER_IP: '1000000',
  BRIDGE_THROTTLE_FAILURES_PER_IP: '1000000',
  BRIDGE_THROTTLE_LOGINS_PER_AUTHENTICATOR: '1000000',
};

type Attempt = () => Promise<void>;

interface Sample {
  /** How long the level ran (a closed level ends early when its prepared logins run out). */
  seconds: number;
  perSecond: number;
  requests: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Counts failures by what they were, so a run that errs says why (stderr) instead of only how often. */
class Failures {
  count = 0;
  private readonly kinds = new Map<string, number>();
  add(error: unknown): void {
    this.count += 1;
    const kind = (error instanceof Error ? error.message : String(error)).slice(0, 200);
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }
  report(label: string): void {
    for (const [kind, n] of [...this.kinds].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.error(`bench:login: ${label}: ${n} × ${kind}`);
  }
}

/** One level's numbers, from when it started; the commonest failures go to stderr. */
function sampleOf(label: string, started: number, latencies: number[], failures: Failures): Sample {
  const elapsed = (performance.now() - started) / 1000;
  failures.report(label);
  return {
    seconds: round(elapsed, 2),
    perSecond: round(latencies.length / elapsed),
    requests: latencies.length,
    errors: failures.count,
    ...percentiles(latencies),
  };
}

/** `concurrency` workers, each starting its next request when the last one answered, for `seconds` (or until `next` runs out). */
async function closedLoop(label: string, concurrency: number, seconds: number, next: () => Attempt | null): Promise<Sample> {
  const latencies: number[] = [];
  const failures = new Failures();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let attempt = next(); attempt && performance.now() < deadline; attempt = next()) {
        const t = performance.now();
        await attempt().then(
          () => latencies.push(performance.now() - t),
          (e) => failures.add(e),
        );
      }
    }),
  );
  return sampleOf(label, started, latencies, failures);
}

/** Requests offered at a fixed rate whatever the answers; latency counts from when each was due, so queueing shows. */
async function openLoop(label: string, rate: number, seconds: number, next: () => Attempt | null): Promise<Sample> {
  const latencies: number[] = [];
  const failures = new Failures();
  const started = performance.now();
  const total = rate * seconds;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const attempt = next();
    if (!attempt) break;
    inFlight.push(
      attempt().then(
        () => void latencies.push(performance.now() - due),
        (e) => failures.add(e),
      ),
    );
  }
  await Promise.all(inFlight);
  return sampleOf(label, started, latencies, failures);
}

/** node:http with kept-alive connections: cheaper per request than fetch, so the client takes less of the 2 cores it shares. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

function request(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; location: string | undefined; setCookie: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, setCookie: res.headers['set-cookie'] ?? [], body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** One prepared login: the bridge's callback URL (WeCom's code and our state) and the browser's nonce cookie. */
interface PreparedLogin {
  callback: string;
  cookie: string;
}

/**
 * Walks logins up to WeCom's redirect back, as a browser does: the bridge's /login (a state, and its nonce in a
 * cookie), then the emulator's QR page as the member (`as=`), which answers with the redirect to our callback.
 */
async function prepareLogins(bridgeUrl: string, userids: string[], count: number): Promise<PreparedLogin[]> {
  const prepared: PreparedLogin[] = [];
  const callbackPrefix = `${bridgeUrl}/api/wecom/bench/callback?`;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const userid = userids[next++ % userids.length];
      const start = await request(`${bridgeUrl}/api/wecom/bench/login?redirect=/admin`);
      if (start.status !== 302 || !start.location) throw new Error(`/login answered ${start.status}: ${start.body.slice(0, 300)}`);
      const cookie = start.setCookie.map((c) => c.split(';')[0]).join('; ');
      const authorize = new URL(start.location);
      authorize.searchParams.set('as', userid);
      const back = await request(authorize.toString());
      // WeCom must send the member back to this bridge; anything else (an error page, another host) is a setup fault.
      if (back.status !== 302 || !back.location?.startsWith(callbackPrefix) || !back.location.includes('code=')) {
        throw new Error(`the emulator did not send ${userid} back to ${callbackPrefix}: ${back.status} ${back.location ?? back.body.slice(0, 300)}`);
      }
      prepared.push({ callback: back.location, cookie });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return prepared;
}

/** OK only when the bridge hands off into NocoBase: a 302 to `<NocoBase origin>/admin?…token=`; its failure redirect goes to /signin. */
const bridgeLogin = (login: PreparedLogin, nocobaseUrl: string) => async () => {
  const res = await request(login.callback, { headers: { Cookie: login.cookie } });
  const to = res.location ?? '';
  if (res.status !== 302 || !to.startsWith(`${nocobaseUrl}/admin?`) || !/[?&]token=/.test(to)) {
    throw new Error(`callback answered ${res.status} ${to ? `→ ${decodeURIComponent(to.replace(/token=[^&]+/, 'token=…'))}` : res.body.slice(0, 200)}`);
  }
};

const passwordSignIn = (nocobaseUrl: string, account: string) => async () => {
  const res = await request(`${nocobaseUrl}/api/auth:signIn`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Authenticator': 'basic' },
    body: JSON.stringify({ account, password: PASSWORD }),
  });
  if (res.status !== 200 || !JSON.parse(res.body).data?.token) throw new Error(`auth:signIn answered ${res.status}: ${res.body.slice(0, 200)}`);
};

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const nocobase = await startLiveNocobase('camel', await freePort());
  // Interrupted, it still stops what it started and drops NocoBase's database.
  const interrupted = () => {
    for (const child of children) child.kill('SIGTERM');
    void nocobase.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const emulator = await startEmulatorProcess({ members: options.users, departments: Math.max(10, Math.round(options.users / 33)), seed: 42 });
    children.push(emulator.child);
    // WeCom sends members back to WECOM_BRIDGE_URL, so the bridge's port is chosen before its environment.
    const bridgePort = await freePort();
    const env = bridgeEnv(nocobase.databaseUrl, emulator.ready as EmulatorReady, {
      ...LIMITS,
      NOCOBASE_JWT_SECRET: nocobase.appKey,
      NOCOBASE_URL: nocobase.url,
      WECOM_ORIGIN: nocobase.url,
      WECOM_BRIDGE_URL: `http://127.0.0.1:${bridgePort}`,
    });
    const synced = await runCli(['sync', '--authenticator', 'bench'], env);
    const userids = await withAdminClient(
      async (c) => (await c.query<{ wecom_userid: string }>(`SELECT wecom_userid FROM wecom_bridge.bindings ORDER BY id`)).rows.map((r) => r.wecom_userid),
      nocobase.databaseUrl,
    );
    if (!userids.length) throw new Error('the sync bound no member');
    await topUpUsers(nocobase.databaseUrl, options.users);
    const root = await nocobase.rootToken();
    const accounts = await passwordUsers(nocobase, root);
    const bridge = await startBridgeServer(env, bridgePort);
    children.push(bridge.child);
    // Any replica completes a login any other started (the state is in the database): the baseline is sent the same callbacks.
    const baseline = options.baseline ? await startBridgeServer(env, undefined, options.baseline) : null;
    if (baseline) children.push(baseline.child);
    const via = (url: string, logins: PreparedLogin[]) => logins.map((l) => ({ ...l, callback: l.callback.replace(bridge.url, url) }));
    const usersInDatabase = await withAdminClient(
      async (c) => Number((await c.query('SELECT count(*) AS n FROM public.users')).rows[0].n),
      nocobase.databaseUrl,
    );
    console.error(
      `bench:login: ${usersInDatabase} users in the database (${synced.run.counts?.members?.create ?? 0} provisioned by a sync), ${userids.length} bound members`,
    );

    // Warm both up (JIT, pools, NocoBase's caches) before anything is timed.
    let w = 0;
    const warm = await prepareLogins(bridge.url, userids, 300);
    const warmed = await closedLoop('warm-up bridge', 4, 60, () => (w < warm.length ? bridgeLogin(warm[w++], nocobase.url) : null));
    if (baseline) {
      let b = 0;
      const warmBaseline = via(baseline.url, await prepareLogins(bridge.url, userids, 300));
      await closedLoop('warm-up baseline', 4, 60, () => (b < warmBaseline.length ? bridgeLogin(warmBaseline[b++], nocobase.url) : null));
    }
    let wn = 0;
    await closedLoop('warm-up NocoBase', 2, 60, () => (wn < 10 ? passwordSignIn(nocobase.url, accounts[wn++ % accounts.length]) : null));

    // Logins are prepared for 2.5 × the best rate seen so far: a level that outruns them ends early (and says
    // so in `seconds`) rather than preparing far more than it uses, which would also outlive WeCom's 5-minute codes.
    let bridgeBest = warmed.perSecond;
    let nocobasePeak = 0;
    for (const concurrency of options.concurrency) {
      const logins = await prepareLogins(bridge.url, userids, Math.min(60_000, Math.max(200, Math.ceil(bridgeBest * 2.5 * options.seconds))));
      let i = 0;
      const viaBridge = await closedLoop(`bridge ×${concurrency}`, concurrency, options.seconds, () =>
        i < logins.length ? bridgeLogin(logins[i++], nocobase.url) : null,
      );
      let j = 0;
      const viaNocobase = await closedLoop(`NocoBase ×${concurrency}`, concurrency, options.seconds, () =>
        passwordSignIn(nocobase.url, accounts[j++ % accounts.length]),
      );
      nocobasePeak = Math.max(nocobasePeak, viaNocobase.perSecond);
      bridgeBest = Math.max(bridgeBest, viaBridge.perSecond);
      let viaBaseline: Sample | null = null;
      if (baseline) {
        const prepared = via(baseline.url, await prepareLogins(bridge.url, userids, logins.length));
        let b = 0;
        viaBaseline = await closedLoop(`baseline ×${concurrency}`, concurrency, options.seconds, () =>
          b < prepared.length ? bridgeLogin(prepared[b++], nocobase.url) : null,
        );
      }
      report({ mode: 'closed', concurrency, usersInDatabase }, viaBridge, viaNocobase, viaBaseline);
    }
    const logins = await prepareLogins(bridge.url, userids, options.rate * options.seconds);
    let i = 0;
    const viaBridge = await openLoop(`bridge at ${options.rate}/s`, options.rate, options.seconds, () =>
      i < logins.length ? bridgeLogin(logins[i++], nocobase.url) : null,
    );
    // Offered more than it can answer, NocoBase's queue (and latency) would only grow for as long as the level lasts.
    let viaNocobase: Sample | null = null;
    if (options.rate <= nocobasePeak) {
      let j = 0;
      viaNocobase = await openLoop(`NocoBase at ${options.rate}/s`, options.rate, options.seconds, () =>
        passwordSignIn(nocobase.url, accounts[j++ % accounts.length]),
      );
    } else {
      console.error(`bench:login: NocoBase not offered ${options.rate}/s: above its closed-loop peak of ${nocobasePeak}/s`);
    }
    let viaBaseline: Sample | null = null;
    if (baseline) {
      const prepared = via(baseline.url, await prepareLogins(bridge.url, userids, options.rate * options.seconds));
      let b = 0;
      viaBaseline = await openLoop(`baseline at ${options.rate}/s`, options.rate, options.seconds, () =>
        b < prepared.length ? bridgeLogin(prepared[b++], nocobase.url) : null,
      );
    }
    report({ mode: 'open', offeredPerSecond: options.rate, usersInDatabase }, viaBridge, viaNocobase, viaBaseline);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await nocobase.stop();
  }
}

function report(level: Record<string, unknown>, bridge: Sample, nocobase: Sample | null, baseline: Sample | null = null): void {
  const throughputRatio = nocobase ? round(bridge.perSecond / nocobase.perSecond) : null;
  if (baseline) level = { ...level, baseline, overBaseline: round(bridge.perSecond / baseline.perSecond, 2) };
  // The box is shared: the load average says how much of it the benchmark had.
  console.log(JSON.stringify({ bench: 'login', ...level, bridge, nocobase, throughputRatio, loadAverage1m: round(loadavg()[0], 2) }));
}

/** Plain NocoBase users (no WeCom member) until the table holds `total`: the size logins must work at. */
async function topUpUsers(databaseUrl: string, total: number): Promise<void> {
  await withAdminClient(async (c) => {
    const have = Number((await c.query('SELECT count(*) AS n FROM public.users')).rows[0].n);
    if (have >= total) return;
    await c.query(
      `INSERT INTO public.users (nickname, "createdAt", "updatedAt", sort)
       SELECT 'filler ' || g, now(), now(), (SELECT COALESCE(max(sort), 0) FROM public.users) + g FROM generate_series(1, $1) AS g`,
      [total - have],
    );
  }, databaseUrl);
}

/** NocoBase users with a password, made through NocoBase's API (which hashes it as NocoBase does). */
async function passwordUsers(nocobase: Awaited<ReturnType<typeof startLiveNocobase>>, root: string): Promise<string[]> {
  const accounts: string[] = [];
  for (let n = 0; n < PASSWORD_USERS; n++) {
    const email = `bench-${n}@example.com`;
    const res = await nocobase.api(root, 'POST', 'users:create', { nickname: `Bench ${n}`, email, password: PASSWORD, roles: ['member'] });
    if (res.status !== 200) throw new Error(`users:create answered ${res.status}: ${JSON.stringify(res.body)}`);
    accounts.push(email);
  }
  return accounts;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
