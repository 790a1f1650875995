import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startEmulator, type WecomEmulator } from '../../../tools/emulator';
import { NocobaseSessionService } from '../../../src/nocobase/nocobase-session.service';
import { AuthenticatorsService } from '../../../src/auth/authenticators/authenticators.service';
import { SyncService } from '../../../src/sync/sync.service';
import { createTestApp, type TestApp } from '../../utils/create-test-app';
import type { TestDatabase } from '../../utils/test-database';
import { parseHandoff, WecomLoginDriver } from '../../utils/wecom-login-driver';
import { emulatorEnv } from '../../utils/emulator-env';

type EmbeddedPostgres = { url: string; urls: Record<string, string>; bootstrapped: boolean; stop(): Promise<void> };

/**
 * Starts the embedded database in a child process, as the demo runs it: PGlite loads its WASM
 * through dynamic imports, which Jest's module sandbox does not allow in-process.
 */
async function startEmbeddedPostgres(dataDir: string | null, groups?: string[], selfWaiting?: string[]): Promise<EmbeddedPostgres> {
  const options = dataDir ? `dataDir: ${JSON.stringify(dataDir)}, nocobaseSql: require('./tools/demo/nocobase-fixture').nocobaseFixtureSql('snake'),` : '';
  const script = `require('./tools/demo/embedded-postgres').startEmbeddedPostgres({ ${options} groups: ${JSON.stringify(groups)}, selfWaiting: ${JSON.stringify(selfWaiting)} })
    .then((p) => { console.log(JSON.stringify({ url: p.url, urls: p.urls, bootstrapped: p.bootstrapped })); process.on('SIGTERM', () => p.stop().then(() => process.exit(0))); })`;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: join(__dirname, '..', '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with ${code}`)));
  });
  const ready = JSON.parse(line) as Omit<EmbeddedPostgres, 'stop'>;
  return { ...ready, stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGTERM'))) };
}

/** The demo's database: PGlite over the wire protocol, bootstrapped from the same NocoBase dump. */
describe('the bridge on embedded PostgreSQL (PGlite)', () => {
  let dir: string;
  let pg: EmbeddedPostgres;
  let emu: WecomEmulator;
  let bridge: TestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-pglite-'));
    pg = await startEmbeddedPostgres(dir);
    emu = await startEmulator({ port: 0, members: 30, departments: 5, seed: 11 });
    bridge = await createTestApp({ url: pg.url } as TestDatabase, {
      ...emulatorEnv(emu, { origin: 'http://127.0.0.1:13000' }),
      WECOM_PROVISION_ON_SYNC: 'true',
      DATABASE_POOL_SIZE: '4',
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('runs migrations, a directory sync and a QR login unchanged', async () => {
    expect(pg.bootstrapped).toBe(true);
    const a = await bridge.app.get(AuthenticatorsService).get('wecom');
    const { done } = await bridge.app.get(SyncService).trigger(a, 'cli');
    const run = await done;
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(run.counts.members?.create).toBeGreaterThan(0);

    const member = [...emu.directory.allMembers()].find((m) => m.status === 1)!;
    const res = await new WecomLoginDriver(bridge.app).login(member.userid, { inClient: false, redirect: '/admin' });
    expect(res.status).toBe(302);
    const handoff = parseHandoff(res.headers.location);
    expect(handoff.token).toBeTruthy();
    expect(await bridge.app.get(NocobaseSessionService).verify(handoff.token!)).toMatchObject({ userId: expect.any(Number) });
  });

  it('keeps its data between starts of the same directory', async () => {
    await bridge.close();
    await pg.stop();
    pg = await startEmbeddedPostgres(dir);
    expect(pg.bootstrapped).toBe(false);
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM wecom_bridge.bindings`);
    await c.end();
    expect(rows[0].n).toBeGreaterThan(0);
    bridge = { close: async () => undefined } as TestApp;
  });
});

/**
 * The demo's NocoBase and bridge share one PGlite database (the bridge writes NocoBase's users), each through a port
 * of its own: their transactions must not interleave on PGlite's one session.
 */
describe('one embedded database for two applications', () => {
  let pg: EmbeddedPostgres;
  const clients: Client[] = [];
  const connect = async (group: string) => {
    const c = new Client({ connectionString: pg.urls[group] });
    await c.connect();
    clients.push(c);
    return c;
  };
  const settled = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

  beforeAll(async () => {
    pg = await startEmbeddedPostgres(null, ['nocobase', 'bridge'], ['nocobase']);
    const c = await connect('bridge');
    await c.query('CREATE TABLE t (v int)');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await pg?.stop();
  });

  it("holds the other application's statements until a transaction commits, so it never sees half of one", async () => {
    const nocobase = await connect('nocobase');
    const bridge = await connect('bridge');
    await nocobase.query('BEGIN');
    await nocobase.query('INSERT INTO t VALUES (1)');
    const read = bridge.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
    expect(await settled(read, 500)).toBe('pending');
    await nocobase.query('INSERT INTO t VALUES (2)');
    await nocobase.query('COMMIT');
    expect((await read).rows[0].n).toBe(2);
  });

  it("does not make the other application's rollback undo its work", async () => {
    const nocobase = await connect('nocobase');
    const bridge = await connect('bridge');
    await bridge.query('BEGIN');
    await bridge.query('INSERT INTO t VALUES (10)');
    const write = nocobase.query('INSERT INTO t VALUES (20)');
    expect(await settled(write, 300)).toBe('pending');
    await bridge.query('ROLLBACK');
    await write;
    const { rows } = await bridge.query<{ v: number }>('SELECT v FROM t WHERE v >= 10 ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual([20]);
  });

  it('lets NocoBase read on a second connection inside its own transaction (its migrations do), once that transaction is stuck', async () => {
    const first = await connect('nocobase');
    const second = await connect('nocobase');
    await first.query('BEGIN');
    await first.query('INSERT INTO t VALUES (30)');
    const read = await settled(second.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE v = 30'), 3000);
    expect(read).not.toBe('pending'); // pglite-socket's own queue waits here for ever
    expect((read as { rows: Array<{ n: number }> }).rows[0].n).toBe(1);
    await first.query('COMMIT');
  });

  it("never lets another of the bridge's connections into its transaction: a ROLLBACK there would undo it", async () => {
    const first = await connect('bridge');
    const second = await connect('bridge');
    await first.query('BEGIN');
    await first.query('INSERT INTO t VALUES (40)');
    const other = second.query('INSERT INTO t VALUES (41)');
    expect(await settled(other, 1000)).toBe('pending');
    await first.query('ROLLBACK');
    await other;
    const { rows } = await first.query<{ v: number }>('SELECT v FROM t WHERE v >= 40 ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual([41]);
  });

  it('keeps each parameterised query (Parse … Sync) whole among concurrent connections', async () => {
    const all = [await connect('nocobase'), await connect('nocobase'), await connect('bridge'), await connect('bridge')];
    let wrong = 0;
    await Promise.all(
      all.map(async (c, who) => {
        for (let n = 0; n < 150; n++) {
          const { rows } = await c.query<{ v: number; who: number }>(`SELECT $1::int AS v, ${who} AS who`, [n]);
          if (rows[0].v !== n || rows[0].who !== who) wrong += 1;
        }
      }),
    );
    expect(wrong).toBe(0);
  });
});
