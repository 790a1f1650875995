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

type EmbeddedPostgres = { url: string; bootstrapped: boolean; stop(): Promise<void> };

/**
 * Starts the embedded database in a child process, as the demo runs it: PGlite loads its WASM
 * through dynamic imports, which Jest's module sandbox does not allow in-process.
 */
async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const script = `require('./tools/demo/embedded-postgres').startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, nocobaseSql: require('./tools/demo/nocobase-fixture').nocobaseFixtureSql('snake') })
    .then((p) => { console.log(JSON.stringify({ url: p.url, bootstrapped: p.bootstrapped })); process.on('SIGTERM', () => p.stop().then(() => process.exit(0))); })`;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: join(__dirname, '..', '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with ${code}`)));
  });
  const ready = JSON.parse(line) as { url: string; bootstrapped: boolean };
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
