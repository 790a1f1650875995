import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { WecomLoginDriver } from '../utils/wecom-login-driver';
import { TEST_ADMIN_KEY } from '../utils/test-config';

/**
 * Issue #14, finding 8: behind a reverse proxy the audit recorded the proxy's address. With
 * BRIDGE_TRUSTED_PROXIES it records the client's; without it, X-Forwarded-For is ignored, since
 * any client could write one.
 */
describe('the client address in the audit', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({ port: 0, members: 2, departments: 1 });
  });
  afterAll(async () => {
    await emu?.close();
    await db?.drop();
  });

  async function auditedIps(env: Record<string, string>): Promise<{ login: string; admin: string }> {
    const bridge: TestApp = await createTestApp(db, { BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY, ...emulatorEnv(emu), ...env });
    try {
      const http = () => request(bridge.app.getHttpServer());
      const forwarded = { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' };
      const step = await new WecomLoginDriver(bridge.app).start({ inClient: false });
      await http().get(`/api/wecom/wecom/callback?code=nope&state=${step.state}`).set(forwarded).set('Cookie', step.cookie);
      await http().delete('/api/admin/bindings/424242').set(forwarded).set('Authorization', `Bearer ${TEST_ADMIN_KEY}`);
      await http()
        .post('/api/admin/bindings')
        .set(forwarded)
        .set('Authorization', `Bearer ${TEST_ADMIN_KEY}`)
        .send({ authenticator: 'wecom', wecomUserid: 'someone', userId: 1 });
      const [login] = await db.query<{ ip: string }>('SELECT ip FROM wecom_bridge.login_audit ORDER BY id DESC LIMIT 1');
      const [admin] = await db.query<{ ip: string }>('SELECT ip FROM wecom_bridge.admin_audit ORDER BY id DESC LIMIT 1');
      await db.query('DELETE FROM wecom_bridge.bindings');
      return { login: login.ip, admin: admin.ip };
    } finally {
      await bridge.close();
    }
  }

  it("records the proxy's address and ignores X-Forwarded-For when no proxy is trusted", async () => {
    expect(await auditedIps({})).toEqual({ login: expect.stringMatching(/127\.0\.0\.1$/), admin: expect.stringMatching(/127\.0\.0\.1$/) });
  });

  it('records the client behind a trusted proxy: the nearest address the trusted ones name', async () => {
    expect(await auditedIps({ BRIDGE_TRUSTED_PROXIES: 'loopback' })).toEqual({ login: '203.0.113.7', admin: '203.0.113.7' });
    expect(await auditedIps({ BRIDGE_TRUSTED_PROXIES: '127.0.0.1/8, 203.0.113.0/24' })).toEqual({ login: '198.51.100.1', admin: '198.51.100.1' });
  });
});
