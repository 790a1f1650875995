import jwt from 'jsonwebtoken';
import { hostname } from 'node:os';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import type { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { NocobaseSchemaIntrospector } from '../../src/nocobase/schema/nocobase-schema.introspector';
import type { BridgeProcess } from '../utils/bridge-process';
import {
  applying,
  cleanRunFingerprint,
  fleet,
  finished,
  LEASE_SECONDS,
  METRICS_TOKEN,
  runOf,
  trigger,
  until,
  ADMIN_HEADERS as admin,
  ADMIN_KEY,
} from '../utils/fleet';
import { syncFingerprint } from '../utils/sync-fingerprint';
import { TEST_JWT_SECRET, testConfig } from '../utils/test-config';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { WecomLoginDriver, parseHandoff } from '../utils/wecom-login-driver';

describe('three replicas on one database', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let replicas: BridgeProcess[];

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({ port: 0, members: 300, departments: 20, seed: 17 });
    replicas = await fleet(db, emu, 3, { WECOM_SYNC_CRON: '*/2 * * * * *' });
  }, 180_000);
  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.stop('SIGKILL');
    await emu?.close();
    await db?.drop();
  });

  it('turns a schedule every replica fires every two seconds into exactly one run per tick', async () => {
    await new Promise((r) => setTimeout(r, 9000));
    const ticks = await db.query<{ scheduled_for: Date; runs: string; statuses: string }>(
      `SELECT scheduled_for, count(*) AS runs, string_agg(status, ',') AS statuses FROM wecom_bridge.sync_runs WHERE trigger = 'schedule' GROUP BY scheduled_for ORDER BY scheduled_for`,
    );
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const tick of ticks) expect(Number(tick.runs)).toBe(1);
    const done = ticks.filter((t) => t.statuses !== 'running' && t.statuses !== 'queued');
    expect(done.every((t) => t.statuses === 'succeeded')).toBe(true);
    // Ticks are two seconds apart: no tick was fired twice under two timestamps.
    for (let i = 1; i < ticks.length; i++) expect(ticks[i].scheduled_for.getTime() - ticks[i - 1].scheduled_for.getTime()).toBeGreaterThanOrEqual(2000);
  });

  it('lets members log in through any of the three', async () => {
    const members = [...emu.directory.allMembers()].filter((m) => m.status === 1).slice(0, 3);
    for (const [i, replica] of replicas.entries()) {
      const res = await new WecomLoginDriver(replica.url).login(members[i].userid, { inClient: false, redirect: '/admin' });
      expect(res.status).toBe(302);
      const { token } = parseHandoff(res.headers.location);
      expect(jwt.verify(token!, TEST_JWT_SECRET)).toMatchObject({ userId: expect.any(Number), temp: true });
    }
  });

  it('makes one gettoken per token lifetime per secret across the fleet', () => {
    // The app secret (logins) and the contact-sync secret (the scheduled syncs): two tokens, fetched once each.
    expect(emu.calls('gettoken', 0)).toBe(2);
  });

  it('logs one JSON line per request with its request id, never the code or the state', async () => {
    const res = await fetch(`${replicas[0].url}/api/admin/sync-runs/999999`, { headers: { ...admin, 'X-Request-Id': 'trace-4711' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('trace-4711');
    expect(((await res.json()) as { errors: { requestId: string }[] }).errors[0].requestId).toBe('trace-4711');
    await until('the request to be logged', async () => replicas[0].logs().some((l) => (l.req as { id?: string } | undefined)?.id === 'trace-4711'));
    const line = replicas[0].logs().find((l) => (l.req as { id?: string } | undefined)?.id === 'trace-4711')!;
    expect(line).toMatchObject({
      level: 30,
      req: { method: 'GET', url: '/api/admin/sync-runs/999999' },
      res: { statusCode: 404 },
      responseTime: expect.any(Number),
    });
    expect(JSON.stringify(line)).not.toContain(ADMIN_KEY);
    const callbacks = replicas.flatMap((r) => r.logs()).filter((l) => String((l.req as { url?: string } | undefined)?.url).includes('/callback'));
    expect(callbacks.length).toBeGreaterThanOrEqual(3);
    for (const l of callbacks) expect((l.req as { url: string }).url).toMatch(/code=\*\*\*&state=\*\*\*/);
  });

  it('serves Prometheus metrics to the metrics token, and to no one without a token', async () => {
    expect((await fetch(`${replicas[1].url}/metrics`)).status).toBe(401);
    const res = await fetch(`${replicas[1].url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/wecom_bridge_logins_total\{authenticator="wecom",outcome="succeeded",code="BOUND"\} 1/);
    expect(text).toMatch(/wecom_bridge_login_callback_seconds_count\{authenticator="wecom",outcome="succeeded"\} 1/);
    expect(text).toMatch(/wecom_bridge_wecom_calls_total\{api="auth\/getuserinfo",errcode="0"\} 1/);
    expect(text).toMatch(/wecom_bridge_db_pool_connections\{state="total"\} \d+/);
    expect(text).toMatch(/wecom_bridge_http_requests_total\{method="GET",route="\/api\/wecom\/:name\/callback",status="302"\} 1/);
    expect(text).toContain('# TYPE wecom_bridge_sync_runs_total counter');
    expect(text).toContain('# TYPE wecom_bridge_contact_events_pending gauge');
  });

  it('on SIGTERM finishes the login in flight, takes no new connection, exits 0 within its bound', async () => {
    const member = [...emu.directory.allMembers()].filter((m) => m.status === 1)[5];
    const driver = new WecomLoginDriver(replicas[2].url);
    const step = await driver.start({ inClient: false, redirect: '/admin' });
    const callbackUrl = await driver.authorize(step, member.userid);
    emu.faults.add({ api: 'auth/getuserinfo', kind: 'latency', latencyMs: 2000 });
    const inFlight = driver.callback(callbackUrl, { cookie: step.cookie, inClient: false });
    await new Promise((r) => setTimeout(r, 500)); // the callback is now waiting on WeCom
    const started = Date.now();
    const exit = replicas[2].stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await expect(fetch(`${replicas[2].url}/health/live`)).rejects.toThrow(); // no new connections
    const res = await inFlight;
    expect(res.status).toBe(302);
    expect(parseHandoff(res.headers.location).token).toBeTruthy();
    expect(await exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(replicas[2].logs().some((l) => String(l.msg).includes('SIGTERM: no new connections'))).toBe(true);
    // Successes' audit rows are queued; one decided during shutdown is written before the replica exits all the same.
    const audit = await db.query<{ outcome: string }>(`SELECT outcome FROM wecom_bridge.login_audit WHERE wecom_userid = $1 ORDER BY id DESC LIMIT 1`, [
      member.userid,
    ]);
    expect(audit).toEqual([{ outcome: 'succeeded' }]);
  });
});

describe('a replica lost in the middle of a run', () => {
  const MEMBERS = 20_000;
  let emu: WecomEmulator;
  let clean: Awaited<ReturnType<typeof syncFingerprint>>;

  /** A fresh database with two replicas; the test gets both and the NocoBase schema. */
  async function setUp(): Promise<{ db: TestDatabase; nb: NocobaseSchema; a: BridgeProcess; b: BridgeProcess; close(): Promise<void> }> {
    const db = await createTestDatabase();
    const nb = await new NocobaseSchemaIntrospector(db.dataSource, testConfig()).introspect();
    const [a, b] = await fleet(db, emu, 2);
    return {
      db,
      nb,
      a,
      b,
      async close() {
        await a.stop('SIGKILL');
        await b.stop('SIGKILL');
        await db.drop();
      },
    };
  }

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, members: MEMBERS, departments: 200, seed: 23 });
    // The state a clean run leaves, to compare every interrupted history with.
    clean = await cleanRunFingerprint(emu);
    expect(clean.counts.users).toBeGreaterThan(MEMBERS / 2);
    expect(clean.counts.unboundUsers).toBe(0);
  }, 300_000);
  afterAll(() => emu?.close());

  it('SIGKILL mid-run: the run is marked lost with what it wrote, and the next run converges to a clean run', async () => {
    const { db, nb, a, b, close } = await setUp();
    try {
      const first = await trigger(a);
      await applying(db, first.id, 2000);
      await a.stop('SIGKILL');
      // Until its lease ends the dead run still counts as running; then B takes over.
      const next = await until('a new run once the lease is over', async () => {
        const t = await trigger(b);
        return t.alreadyRunning ? null : t;
      });
      const lost = await runOf(db, first.id);
      expect(lost).toMatchObject({ status: 'failed', error_code: 'REPLICA_LOST' });
      expect(lost.rows_written).toBeGreaterThan(0);
      expect(lost.error).toContain(`${lost.rows_written} rows were written`);
      expect(await finished(db, next.id)).toMatchObject({ status: 'succeeded' });
      expect(await syncFingerprint(db, nb)).toEqual(clean);
    } finally {
      await close();
    }
  }, 240_000);

  it('a replica paused past its lease is fenced: once another took over it writes nothing more', async () => {
    const { db, nb, a, b, close } = await setUp();
    try {
      const first = await trigger(a);
      await applying(db, first.id, 2000);
      a.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, (LEASE_SECONDS + 1) * 1000));
      // B's takeover may have to wait for a write A had in flight when it froze: wake A meanwhile.
      const takeover = until('B to take over', async () => {
        const t = await trigger(b);
        return t.alreadyRunning ? null : t;
      });
      setTimeout(() => a.child.kill('SIGCONT'), 1000);
      const next = await takeover;
      expect(await finished(db, next.id)).toMatchObject({ status: 'succeeded' });
      await new Promise((r) => setTimeout(r, 2000)); // A had every chance to write more
      // Marked by B when it took over, or by A itself when its next write found the lease over: either way it stopped.
      expect(await runOf(db, first.id)).toMatchObject({ status: 'failed', error_code: expect.stringMatching(/^(REPLICA_LOST|LEASE_LOST)$/) });
      // Every item A recorded was committed before B's run wrote its first: the two never wrote at once.
      const [{ lastOfA, firstOfB }] = await db.query<{ lastOfA: string; firstOfB: string }>(
        `SELECT (SELECT max(id) FROM wecom_bridge.sync_run_items WHERE run_id = $1) AS "lastOfA", (SELECT min(id) FROM wecom_bridge.sync_run_items WHERE run_id = $2) AS "firstOfB"`,
        [first.id, next.id],
      );
      expect(Number(lastOfA)).toBeLessThan(Number(firstOfB));
      expect(a.logs().some((l) => String(l.msg).includes(`sync run ${first.id} lost its lease`))).toBe(true);
      expect(await syncFingerprint(db, nb)).toEqual(clean);
    } finally {
      await close();
    }
  }, 240_000);

  it('SIGTERM mid-run: the run stops at a chunk boundary with what it wrote recorded, the process exits 0, the next run completes it', async () => {
    const { db, nb, a, b, close } = await setUp();
    try {
      const first = await trigger(a);
      await applying(db, first.id, 2000);
      expect(await a.stop('SIGTERM')).toBe(0);
      const stopped = await runOf(db, first.id);
      expect(stopped).toMatchObject({ status: 'failed', error_code: 'SHUTDOWN' });
      expect(stopped.rows_written).toBeGreaterThan(0);
      expect(stopped.error).toMatch(/stopped at shutdown after \d+ of \d+ members/);
      // It gave its lease back by finishing: the next trigger starts at once.
      const next = await trigger(b);
      expect(next.alreadyRunning).toBe(false);
      expect(await finished(db, next.id)).toMatchObject({ status: 'succeeded' });
      expect(await syncFingerprint(db, nb)).toEqual(clean);
    } finally {
      await close();
    }
  }, 240_000);

  it("dropping every database connection mid-run (pg_terminate_backend) never lets a second run write, and the state is a clean run's", async () => {
    const { db, nb, a, b, close } = await setUp();
    try {
      const first = await trigger(a);
      await applying(db, first.id, 2000);
      const replicasConnections = [a.pid, b.pid].map((pid) => `wecom-bridge ${hostname()}:${pid}`.slice(0, 63));
      const [{ terminated }] = await db.query<{ terminated: string }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity WHERE application_name = ANY($1::text[])`,
        [replicasConnections],
      );
      expect(Number(terminated)).toBeGreaterThan(0);
      // The run still holds its lease (it lives in the row, not in a connection): B follows it instead of starting another.
      const second = await trigger(b);
      expect(second).toMatchObject({ id: first.id, alreadyRunning: true });
      const done = await finished(db, first.id);
      // Matched as an object so that a failure prints the run's error code and error.
      expect(done).toMatchObject({ status: expect.stringMatching(/^(succeeded|partial)$/) });
      const [{ runs }] = await db.query<{ runs: string }>(`SELECT count(*) AS runs FROM wecom_bridge.sync_runs`);
      expect(Number(runs)).toBe(1);
      if (done.status === 'partial') {
        // Members whose retry also met a dropped connection are applied by the next run.
        expect(await finished(db, (await trigger(b)).id)).toMatchObject({ status: 'succeeded' });
      }
      expect(await syncFingerprint(db, nb)).toEqual(clean);
    } finally {
      await close();
    }
  }, 240_000);
});
