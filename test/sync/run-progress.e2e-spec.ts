import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { TEST_ADMIN_KEY } from '../utils/test-config';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';

const DEPARTMENTS = 40;

/**
 * What the settings page's progress bar reads: a run reads WeCom department by department and writes as it reads,
 * so a run's view says how many departments it has read of all, while it runs and when it ends.
 */
describe('a running sync reports the departments it has read', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  const http = () => request(bridge.app.getHttpServer());
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({
      port: 0,
      corpId: 'wwprogress',
      directory: {
        corpName: 'P',
        departments: [{ id: 1, name: 'P', parentid: 0 }, ...Array.from({ length: DEPARTMENTS - 1 }, (_, i) => ({ id: 10 + i, name: `D${i}`, parentid: 1 }))],
        members: Array.from({ length: DEPARTMENTS - 1 }, (_, i) => ({ userid: `m${i}`, name: `M${i}`, department: [10 + i] })),
      },
    });
    bridge = await createTestApp(db, { BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY, ...emulatorEnv(emu), WECOM_PROVISION_ON_SYNC: 'true' });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it('moves through the departments while the run goes, and ends with all of them read', async () => {
    emu.policy.latencyMs = 100; // each department's read takes a moment, so the run is seen half-way
    try {
      const started = await http().post('/api/admin/sync-runs').set(admin).send({ authenticator: 'wecom' });
      expect(started.status).toBe(202);
      const seen = new Set<number>();
      let run;
      do {
        run = (await http().get(`/api/admin/sync-runs/${started.body.data.id}`).set(admin)).body.data;
        if (run.status === 'running' && run.progress.read.total) seen.add(run.progress.read.done);
        await new Promise((r) => setTimeout(r, 20));
      } while (['queued', 'running'].includes(run.status));
      expect(run).toMatchObject({ status: 'succeeded', progress: { read: { done: DEPARTMENTS, total: DEPARTMENTS } } });
      expect([...seen].some((done) => done > 0 && done < DEPARTMENTS)).toBe(true);
    } finally {
      emu.policy.latencyMs = 0;
    }
  });
});
