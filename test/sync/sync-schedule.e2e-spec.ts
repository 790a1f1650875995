import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { SyncRunsRepository } from '../../src/sync/runs/sync-runs.repository';
import { SyncScheduler } from '../../src/sync/runs/sync-scheduler.service';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { emulatorEnv } from '../utils/emulator-env';

const ADMIN_KEY = 'admin-key-0123456789abcdefghij';

/** Waits until a scheduled run of the authenticator has finished. */
async function scheduledRun(bridge: TestApp, authenticatorId: number, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await bridge.app.get(SyncRunsRepository).list({ authenticatorId, trigger: 'schedule' }, 1, 10);
    const done = rows.find((r) => r.status === 'succeeded');
    if (done) return done;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no scheduled run finished in time');
}

describe('scheduled directory sync', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({ port: 0, members: 20, departments: 4, seed: 3 });
    bridge = await createTestApp(db, {
      BRIDGE_ADMIN_API_KEY: ADMIN_KEY,
      ...emulatorEnv(emu),
      WECOM_SYNC_CRON: '* * * * * *', // every second (six fields: seconds first)
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it('runs the environment-declared schedule', async () => {
    const [{ id }] = await db.query<{ id: string }>(`SELECT id FROM wecom_bridge.authenticators WHERE name = 'wecom'`);
    expect(await scheduledRun(bridge, Number(id))).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
  });

  it('picks up a schedule set at run time, and drops one that is removed, without a restart', async () => {
    const created = await request(bridge.app.getHttpServer())
      .post('/api/admin/authenticators')
      .set(admin)
      .send({ name: 'second', title: 'Second', corpId: emu.corpId, agentId: String(emu.agentId), secret: emu.secret, origin: 'https://nocobase.example.com' })
      .expect(201);
    const id = created.body.data.id as number;
    const scheduler = bridge.app.get(SyncScheduler);
    await scheduler.reconcile();
    expect(scheduler.nextRuns()[id]).toBeUndefined();

    await request(bridge.app.getHttpServer()).patch('/api/admin/authenticators/second').set(admin).send({ syncCron: '* * * * * *' }).expect(200);
    await scheduler.reconcile(); // what every replica does every 30 s
    expect(scheduler.nextRuns()[id]).toBeInstanceOf(Date);
    expect(await scheduledRun(bridge, id)).toMatchObject({ trigger: 'schedule' });

    await request(bridge.app.getHttpServer()).patch('/api/admin/authenticators/second').set(admin).send({ syncCron: null }).expect(200);
    await scheduler.reconcile();
    expect(scheduler.nextRuns()[id]).toBeUndefined();
  });
});

describe('schedules that cannot run', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
  const http = () => request(bridge.app.getHttpServer());
  const create = (name: string, syncCron?: string) =>
    http()
      .post('/api/admin/authenticators')
      .set(admin)
      .send({ name, title: name, corpId: emu.corpId, agentId: String(emu.agentId), secret: emu.secret, origin: 'https://nocobase.example.com', syncCron });

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({ port: 0, members: 5, departments: 2, seed: 5 });
    bridge = await createTestApp(db, { BRIDGE_ADMIN_API_KEY: ADMIN_KEY, ...emulatorEnv(emu) });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it('refuses a cron that never fires (31 February) with a 400 that says so, at create and at update', async () => {
    const refused = await create('never', '0 0 31 2 *').expect(400);
    expect(JSON.stringify(refused.body.errors)).toMatch(/syncCron never fires/);
    await create('ok', '0 3 * * *').expect(201);
    const patched = await http().patch('/api/admin/authenticators/ok').set(admin).send({ syncCron: '0 0 30 2 *' }).expect(400);
    expect(JSON.stringify(patched.body.errors)).toMatch(/syncCron never fires/);
    const garbled = await http().patch('/api/admin/authenticators/ok').set(admin).send({ syncCron: 'every day' }).expect(400);
    expect(JSON.stringify(garbled.body.errors)).toMatch(/syncCron is not a cron expression/);
  });

  it("keeps scheduling everyone else when one authenticator's stored schedule cannot run", async () => {
    await create('broken').expect(201);
    await create('healthy', '* * * * * *').expect(201);
    // A schedule that slipped past validation (written by an older version, or by hand).
    await db.query(`UPDATE wecom_bridge.authenticators SET sync_cron = '0 0 31 2 *' WHERE name = 'broken'`);
    const scheduler = bridge.app.get(SyncScheduler);
    await scheduler.reconcile();
    await scheduler.reconcile(); // and again, as every 30 s: still fine, no exception
    const ids = Object.fromEntries(
      (await db.query<{ id: string; name: string }>(`SELECT id, name FROM wecom_bridge.authenticators`)).map((r) => [r.name, Number(r.id)]),
    );
    expect(scheduler.nextRuns()[ids.broken]).toBeUndefined();
    expect(scheduler.nextRuns()[ids.healthy]).toBeInstanceOf(Date);
    expect(await scheduledRun(bridge, ids.healthy)).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
  });
});
