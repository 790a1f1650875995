import jwt from 'jsonwebtoken';
import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { SyncService } from '../../src/sync/sync.service';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { insertNocobaseUser } from '../utils/nocobase-factory';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../utils/test-config';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { parseHandoff, WecomLoginDriver } from '../utils/wecom-login-driver';

/**
 * Issue #14, finding 7: WeCom shared mobiles that libphonenumber does not list as issued
 * (+86 14000000098): the member was told WeCom had not shared their mobile, which was false,
 * and a sync provisioned such members without a phone.
 */
describe('mobiles WeCom shares but libphonenumber does not list', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let nb: NocobaseSchema;
  let driver: WecomLoginDriver;
  let iot: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({
      port: 0,
      corpId: 'wwphones',
      app: { createdAfter20220620: false },
      directory: {
        corpName: 'P',
        departments: [{ id: 1, name: 'P', parentid: 0 }],
        members: [
          { userid: 'iot', name: 'IoT', department: [1], mobile: '+86 14000000098' },
          { userid: 'sixty', name: 'Sixty', department: [1], mobile: '16000000001' },
          { userid: 'short', name: 'Short', department: [1], mobile: '12345' },
          { userid: 'none', name: 'None', department: [1] },
        ],
      },
    });
    bridge = await createTestApp(db, { BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY, ...emulatorEnv(emu), WECOM_PROVISION_ON_SYNC: 'true' });
    nb = bridge.app.get(NocobaseSchema);
    driver = new WecomLoginDriver(bridge.app);
    iot = await insertNocobaseUser(db, nb, { nickname: 'IoT in NocoBase', phone: '140 0000 0098' });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it('binds the NocoBase user with the same digits at the first in-client login', async () => {
    const res = await driver.login('iot', { inClient: true });
    expect((jwt.verify(parseHandoff(res.headers.location).token!, TEST_JWT_SECRET) as jwt.JwtPayload).userId).toBe(iot);
  });

  it('says that WeCom shared a number it cannot match, not that it shared none', async () => {
    const res = await driver.login('short', { inClient: true });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('did not share');
    expect(res.text).toContain('is not a phone number');
    const none = await driver.login('none', { inClient: true });
    expect(none.text).toContain('WeCom did not share your mobile number');
  });

  it('provisions such members with their phone', async () => {
    const started = await request(bridge.app.getHttpServer())
      .post('/api/admin/sync-runs')
      .set('Authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({ authenticator: 'wecom' })
      .expect(202);
    expect((await bridge.app.get(SyncService).waitFor(started.body.data.id, 50)).status).toBe('succeeded');
    const u = nb.columns('users');
    const [sixty] = await db.query<{ phone: string }>(
      `SELECT usr.${u.phone} AS phone FROM ${nb.table('users')} usr JOIN wecom_bridge.bindings b ON b.nocobase_user_id = usr.${u.id} WHERE b.wecom_userid = 'sixty'`,
    );
    expect(sixty).toEqual({ phone: '+8616000000001' });
  });
});
