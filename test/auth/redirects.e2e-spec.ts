import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { insertNocobaseUser } from '../utils/nocobase-factory';
import { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { createTestApp, NO_THROTTLE, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { DESKTOP_UA, WECOM_UA, WecomLoginDriver } from '../utils/wecom-login-driver';
import { TEST_ADMIN_KEY } from '../utils/test-config';

const ORIGIN = 'https://nocobase.example.com';

/** Issue #14, finding 2: spellings that normalise (or decode) to "//evil.com", which a browser reads as another host. */
const BYPASSES = ['/.//evil.com', '/..//evil.com', '/%2e//evil.com', '/x/..//evil.com', '/%2E%2E//evil.com', '/%2F/evil.com', '/%0a//evil.com'];

describe('redirect targets', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let driver: WecomLoginDriver;
  const http = () => request(bridge.app.getHttpServer());
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({
      port: 0,
      corpId: 'wwredirects',
      directory: {
        corpName: 'R',
        departments: [{ id: 1, name: 'R', parentid: 0 }],
        members: [{ userid: 'alice', name: 'Alice', department: [1], mobile: '13800000001' }],
      },
    });
    bridge = await createTestApp(db, {
      BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY,
      ...NO_THROTTLE,
      ...emulatorEnv(emu, { origin: ORIGIN, contactSecret: false }),
      WECOM_AUTO_LOGIN: 'true',
    });
    driver = new WecomLoginDriver(bridge.app);
    await insertNocobaseUser(db, bridge.app.get(NocobaseSchema), { nickname: 'Alice', phone: '13800000001' });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it.each(BYPASSES)('refuses %s before any login starts, on every login route', async (target) => {
    const [{ n: before }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM wecom_bridge.login_states');
    for (const route of ['/api/wecom/wecom/login', '/api/wecom/wecom/auth-url', '/api/wecom/auto-login']) {
      for (const ua of [DESKTOP_UA, WECOM_UA]) {
        const res = await http().get(route).query({ redirect: target }).set('User-Agent', ua);
        expect([route, res.status, res.body.errors?.[0]?.code]).toEqual([route, 400, 'INVALID_REDIRECT']);
        expect(res.headers.location).toBeUndefined();
      }
    }
    const [{ n: after }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM wecom_bridge.login_states');
    expect(after).toBe(before);
  });

  it('still lands a login on an ordinary path of the origin', async () => {
    const res = await driver.login('alice', { inClient: true, redirect: '/admin/../m/page' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(new RegExp(`^${ORIGIN}/m/page\\?authenticator=basic&token=`));
  });

  it.each(BYPASSES)('refuses %s as a workbench path in the admin API', async (path) => {
    const res = await http()
      .post('/api/admin/authenticators')
      .set(admin)
      .send({ name: 'other', title: 'Other', corpId: 'wwother', agentId: '1', secret: 'other-secret', origin: 'https://o.example.com', workbenchPath: path })
      .expect(400);
    expect(res.body.errors.map((e: { message: string }) => e.message)).toContain('workbenchPath must be a normalised path on the origin, such as /admin or /m');
  });

  it.each([
    'https://nb.example.com/path',
    'https://nb.example.com?next=//evil.com',
    'https://nb.example.com/#x',
    'https://user:pass@nb.example.com',
    'javascript://nb.example.com',
  ])('refuses %s as an origin or a bridge URL', async (url) => {
    const body = { name: 'other', title: 'Other', corpId: 'wwother', agentId: '1', secret: 'other-secret', origin: 'https://o.example.com' };
    await http()
      .post('/api/admin/authenticators')
      .set(admin)
      .send({ ...body, origin: url })
      .expect(400);
    await http()
      .post('/api/admin/authenticators')
      .set(admin)
      .send({ ...body, bridgeUrl: url })
      .expect(400);
  });

  it('accepts an origin with a port and a trailing slash', async () => {
    const res = await http()
      .post('/api/admin/authenticators')
      .set(admin)
      .send({
        name: 'ported',
        title: 'P',
        corpId: 'wwported',
        agentId: '1',
        secret: 'ported-secret',
        origin: 'https://nb.example.com:8443/',
        workbenchPath: '/m',
      })
      .expect(201);
    expect(res.body.data).toMatchObject({ origin: 'https://nb.example.com:8443', workbenchPath: '/m' });
  });
});
