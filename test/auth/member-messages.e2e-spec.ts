import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { insertNocobaseUser } from '../utils/nocobase-factory';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { parseHandoff, WecomLoginDriver } from '../utils/wecom-login-driver';
import { TEST_ADMIN_KEY } from '../utils/test-config';

const CORP = 'wwmessages0042';

/**
 * Issue #14, finding 6: WeCom's admin-facing messages went verbatim to the member (60020 names
 * the server's egress IP and the corp). Members get a plain message and a reference; the detail
 * stays with administrators (the audit, the admin API).
 */
describe('what a member sees when a login fails', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let driver: WecomLoginDriver;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const http = () => request(bridge.app.getHttpServer());

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({
      port: 0,
      corpId: CORP,
      directory: {
        corpName: 'M',
        departments: [{ id: 1, name: 'M', parentid: 0 }],
        members: [
          { userid: 'alice', name: 'Alice', department: [1], mobile: '13800000001' },
          { userid: 'twin', name: 'Twin', department: [1], mobile: '13800000002' },
        ],
      },
    });
    bridge = await createTestApp(db, { BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY, ...emulatorEnv(emu, { contactSecret: false }) });
    driver = new WecomLoginDriver(bridge.app);
    const nb = bridge.app.get(NocobaseSchema);
    // Two NocoBase users share twin's number: an administrator has to sort it out.
    await insertNocobaseUser(db, nb, { phone: '13800000002' });
    await insertNocobaseUser(db, nb, { phone: '+86 138 0000 0002' });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  /** The message a member reads: the sign-in page's ?error= in a browser, the page's text inside WeCom. */
  function seen(res: request.Response): string {
    return res.status === 302 ? parseHandoff(res.headers.location).error! : /<p>(.*?)<\/p>/s.exec(res.text)![1];
  }

  it.each([true, false])('hides the egress IP and the corp of a 60020 (in client: %s), and gives a reference', async (inClient) => {
    emu.faults.add({ api: 'auth/getuserinfo', kind: 'errcode', errcode: 60020 });
    const res = await driver.login('alice', { inClient });
    const message = seen(res);
    expect(message).not.toMatch(/127\.0\.0\.1|from ip|60020|wwmessages|trusted IP|企业可信IP/);
    expect(message).toMatch(/ask an administrator/i);
    const reference = /reference (\d+)/.exec(message)?.[1];
    expect(reference).toBeDefined();

    // The administrator reads the detail under that reference.
    const audit = (await http().get(`/api/admin/login-audit/${reference}`).set(admin).expect(200)).body.data;
    expect(audit).toMatchObject({ id: Number(reference), outcome: 'refused', code: 'WECOM_IP_NOT_TRUSTED', inClient });
    expect(audit.message).toContain('127.0.0.1');
  });

  it("never names another member or another user's id", async () => {
    const message = seen(await driver.login('twin', { inClient: true }));
    expect(message).not.toMatch(/ids? \d|#\d|twin/);
    expect(message).toMatch(/reference \d+/);
    const list = (await http().get('/api/admin/login-audit').query({ code: 'PHONE_CONFLICT' }).set(admin).expect(200)).body;
    expect(list.data[0].message).toMatch(/several NocoBase users \(ids \d+, \d+\)/);
    expect(list.meta).toMatchObject({ count: 1 });
  });

  it('keeps the messages a member can act on', async () => {
    const message = seen(await driver.login('alice', { inClient: false }));
    expect(message).toMatch(/^complete your first login inside the WeCom client/);
  });

  it('keeps the audit to administrators', async () => {
    await http().get('/api/admin/login-audit').expect(401);
    await http().get('/api/admin/login-audit/1').expect(401);
  });
});
