import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { insertNocobaseUser } from '../utils/nocobase-factory';
import { TEST_ADMIN_KEY } from '../utils/test-config';
import { createTestDatabase, NAMING_MODES, type TestDatabase } from '../utils/test-database';
import { WecomLoginDriver } from '../utils/wecom-login-driver';

/**
 * Issue #16, "Bindings": one search box on the settings page finds a binding by part of the WeCom userid, by phone
 * in any spelling, or by the NocoBase user's name, username, email or id; each row names the NocoBase user.
 */
describe.each(NAMING_MODES)('GET /api/admin/bindings?q= (%s)', (naming) => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let lina: number;
  let wang: number;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  async function search(q: string): Promise<Array<{ wecomUserid: string; userId: number; user: { nickname: string } | null }>> {
    const res = await request(bridge.app.getHttpServer()).get('/api/admin/bindings').query({ q }).set(admin);
    expect(res.status).toBe(200);
    return res.body.data;
  }
  const userids = async (q: string) => (await search(q)).map((b) => b.wecomUserid).sort();

  beforeAll(async () => {
    db = await createTestDatabase({ naming });
    emu = await startEmulator({
      port: 0,
      corpId: 'wwsearch',
      directory: {
        corpName: 'S',
        departments: [{ id: 1, name: 'S', parentid: 0 }],
        members: [
          { userid: 'lina', name: '李娜', department: [1], mobile: '13900000002' },
          { userid: 'wangfang', name: '王芳', department: [1], mobile: '13900000003' },
          { userid: 'wang_100', name: '王一百', department: [1], mobile: '13900000004' },
          // Shares no phone with WeCom: bound by an administrator, so the binding holds no phone.
          { userid: 'zhaolei', name: '赵磊', department: [1] },
        ],
      },
    });
    bridge = await createTestApp(db, { BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY, ...emulatorEnv(emu) });
    const nb = bridge.app.get(NocobaseSchema);
    lina = await insertNocobaseUser(db, nb, { nickname: 'Li Na', phone: '+86 139 0000 0002', email: 'li.na@example.com' });
    wang = await insertNocobaseUser(db, nb, { nickname: 'Wang Fang', phone: '139-0000-0003' });
    await insertNocobaseUser(db, nb, { nickname: 'Wang Yibai', phone: '13900000004' });
    // First in-client logins bind each member to the NocoBase user with their phone.
    const driver = new WecomLoginDriver(bridge.app);
    for (const userid of ['lina', 'wangfang', 'wang_100']) expect((await driver.login(userid, { inClient: true })).status).toBe(302);
    const zhao = await insertNocobaseUser(db, nb, { nickname: 'Zhao Lei', phone: '(139) 0000-0009' });
    const bound = await request(bridge.app.getHttpServer()).post('/api/admin/bindings').set(admin).send({ authenticator: 'wecom', wecomUserid: 'zhaolei', userId: zhao });
    expect(bound.status).toBe(201);
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it('finds a binding by phone in any spelling', async () => {
    for (const phone of ['13900000002', '+86 139 0000 0002', '139-0000-0002', '+8613900000002']) expect(await userids(phone)).toEqual(['lina']);
  });

  it("finds a binding that holds no phone by its NocoBase user's phone", async () => {
    expect(await userids('+86 139 0000 0009')).toEqual(['zhaolei']);
  });

  it('finds bindings by part of the userid, and by the NocoBase name, email or id', async () => {
    expect(await userids('wang')).toEqual(['wang_100', 'wangfang']);
    expect(await userids('li na')).toEqual(['lina']);
    expect(await userids('@EXAMPLE.com')).toEqual(['lina']);
    expect(await userids(String(wang))).toEqual(['wangfang']);
  });

  it('names the NocoBase user of each binding', async () => {
    const [row] = await search('lina');
    expect(row).toMatchObject({ wecomUserid: 'lina', userId: lina, user: { id: lina, nickname: 'Li Na', email: 'li.na@example.com' } });
  });

  it('takes % and _ literally', async () => {
    expect(await userids('g_1')).toEqual(['wang_100']);
    expect(await userids('%')).toEqual([]);
    expect(await userids('ng_')).toEqual(['wang_100']);
  });
});
