import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { AuthenticatorsService } from '../../src/auth/authenticators/authenticators.service';
import { SyncService } from '../../src/sync/sync.service';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';

/**
 * A NocoBase without its departments plugin (NocoBase 2.2.15's full app leaves it off) has nowhere to put WeCom's
 * departments. Found by the settings page's browser walk: every run reported "departments create N" and a member
 * update that were never written, and the next run planned them again.
 */
describe('a sync into a NocoBase without the departments plugin', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  const sync = async () => {
    const authenticator = await bridge.app.get(AuthenticatorsService).get('wecom');
    return (await bridge.app.get(SyncService).trigger(authenticator, 'cli', {})).done;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query('DROP TABLE public."departmentsUsers", public.main_departments_path, public.departments CASCADE');
    emu = await startEmulator({
      port: 0,
      corpId: 'wwnodepts',
      app: { createdAfter20220620: false },
      directory: {
        corpName: 'N',
        departments: [
          { id: 1, name: 'N', parentid: 0 },
          { id: 2, name: 'Sales', parentid: 1 },
        ],
        members: [
          { userid: 'a', name: 'A', department: [2], main_department: 2, mobile: '13900000001' },
          { userid: 'b', name: 'B', department: [1, 2], mobile: '13900000002' },
        ],
      },
    });
    bridge = await createTestApp(db, { ...emulatorEnv(emu), WECOM_PROVISION_ON_SYNC: 'true' });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it('creates the members and plans no departments', async () => {
    const first = await sync();
    expect(first).toMatchObject({ status: 'succeeded' });
    expect(first.counts.departments).toMatchObject({ create: 0, update: 0, move: 0, delete: 0 });
    expect(first.counts.members).toMatchObject({ create: 2 });
  });

  it('then finds nothing to do', async () => {
    const again = await sync();
    expect(again).toMatchObject({ status: 'succeeded', rowsWritten: 0 });
    expect(again.counts.departments).toMatchObject({ create: 0 });
    expect(again.counts.members).toMatchObject({ create: 0, update: 0, unchanged: 2 });
  });
});
