import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { eventXml, signedUrl } from '../../tools/emulator/callbacks';
import { AuthenticatorsService } from '../../src/auth/authenticators/authenticators.service';
import { ContactEventsService } from '../../src/sync/events/contact-events.service';
import { SyncService } from '../../src/sync/sync.service';
import { CallbackCrypto } from '../../src/wecom/callback-crypto';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { TEST_ADMIN_KEY, TEST_CALLBACK } from '../utils/test-config';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { WecomLoginDriver } from '../utils/wecom-login-driver';

const CORP = 'wwcheck01';

/**
 * Issue #16, "Connection and setup": what the settings page shows an administrator about one authenticator, read
 * from the bridge: each secret tried against WeCom, the callback's verification and last event, the schedule's next
 * runs, the WeCom console values, and the actionable WeCom errors logins met (60020 with the IP to trust).
 */
describe('GET /api/admin/authenticators/:name/check', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  const crypto = new CallbackCrypto(TEST_CALLBACK.token, TEST_CALLBACK.encodingAesKey, CORP);
  const http = () => request(bridge.app.getHttpServer());
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const check = async () => {
    const res = await http().get('/api/admin/authenticators/wecom/check').set(admin);
    expect(res.status).toBe(200);
    return res.body.data;
  };
  /** The events path with WeCom's signed query; `signedWith` another crypto stands for a Token that differs from WeCom's. */
  const signed = (encrypted: string, signedWith = crypto) => {
    const url = signedUrl('http://bridge/api/wecom/wecom/events', signedWith, encrypted);
    return `${url.pathname}${url.search}`;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({
      port: 0,
      corpId: CORP,
      directory: {
        corpName: 'C',
        departments: [
          { id: 1, name: 'C', parentid: 0 },
          { id: 2, name: 'Sales', parentid: 1 },
        ],
        members: [{ userid: 'amy', name: 'Amy', department: [2] }],
      },
    });
    bridge = await createTestApp(db, {
      BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY,
      ...emulatorEnv(emu),
      WECOM_CALLBACK_TOKEN: TEST_CALLBACK.token,
      WECOM_CALLBACK_AES_KEY: TEST_CALLBACK.encodingAesKey,
      WECOM_SYNC_CRON: '30 2 * * *',
      WECOM_BRIDGE_URL: 'https://wecom.example.com',
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it('shows both secrets working, the callback never verified, the next five runs and the console values', async () => {
    const body = await check();
    expect(body).toMatchObject({ authenticator: 'wecom', enabled: true, declaredByEnv: true });
    expect(body.credentials).toEqual({ app: { configured: true, ok: true, departments: 2 }, contactSync: { configured: true, ok: true, departments: 2 } });
    expect(body.callback).toMatchObject({ configured: true, urlVerifiedAt: null, lastEventAt: null, lastRefusal: null, pendingEvents: 0 });
    expect(body.schedule.cron).toBe('30 2 * * *');
    expect(body.schedule.problem).toBeNull();
    expect(body.schedule.nextRuns).toHaveLength(5);
    for (const at of body.schedule.nextRuns) expect([new Date(at).getHours(), new Date(at).getMinutes()]).toEqual([2, 30]);
    expect(body.wecomConsole).toEqual({
      trustedDomain: 'wecom.example.com',
      redirectUri: 'https://wecom.example.com/api/wecom/wecom/callback',
      workbenchHomepage: expect.stringMatching(/^https:\/\/wecom\.example\.com\/api\/wecom\//),
      eventsUrl: 'https://wecom.example.com/api/wecom/wecom/events',
    });
    expect(body.recentWecomErrors).toEqual([]);
  });

  it('records when WeCom verified the callback URL, when the last event came, and a refusal with its reason', async () => {
    const echostr = crypto.encrypt('echo-1234');
    const verified = await http().get(`${signed(echostr)}&echostr=${encodeURIComponent(echostr)}`);
    expect(verified.text).toBe('echo-1234');
    const afterVerify = (await check()).callback;
    expect(Date.now() - new Date(afterVerify.urlVerifiedAt).getTime()).toBeLessThan(60_000);
    expect(afterVerify.lastEventAt).toBeNull();

    const encrypted = crypto.encrypt(eventXml(CORP, 'update_user', [['UserID', 'amy']]));
    const body = `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
    expect((await http().post(signed(encrypted)).set('Content-Type', 'text/xml').send(body)).status).toBe(200);
    expect((await check()).callback.lastEventAt).not.toBeNull();
    await bridge.app.get(ContactEventsService).idle();

    // The Token saved in WeCom's console differs from ours: every callback is refused, and the page says why.
    const otherToken = new CallbackCrypto('SomeOtherToken', TEST_CALLBACK.encodingAesKey, CORP);
    const refused = await http().post(signed(encrypted, otherToken)).set('Content-Type', 'text/xml').send(body);
    expect(refused.status).toBe(403);
    const afterRefusal = (await check()).callback;
    expect(afterRefusal.lastRefusal).toMatch(/^CALLBACK_SIGNATURE_INVALID: /);
    expect(afterRefusal.lastRefusedAt).not.toBeNull();
  });

  it('reports a secret WeCom refuses from this IP (60020) with the IP to trust, and the login refusal it caused', async () => {
    emu.policy.trustedIps = ['203.0.113.7'];
    try {
      const body = await check();
      for (const secret of [body.credentials.app, body.credentials.contactSync]) {
        expect(secret).toMatchObject({ configured: true, ok: false, code: 'WECOM_IP_NOT_TRUSTED', errcode: 60020 });
        expect(secret.message).toMatch(/add 127\.0\.0\.1 to the app's trusted IPs/);
      }
      const login = await new WecomLoginDriver(bridge.app).login('amy', { inClient: false });
      expect(login.status).toBe(302);
      const authenticator = await bridge.app.get(AuthenticatorsService).get('wecom');
      expect(await (await bridge.app.get(SyncService).trigger(authenticator, 'admin', {})).done).toMatchObject({ status: 'failed' });
    } finally {
      emu.policy.trustedIps = null;
    }
    const { recentWecomErrors } = await check();
    expect(recentWecomErrors).toEqual([
      expect.objectContaining({ source: 'sync', code: 'WECOM_IP_NOT_TRUSTED', message: expect.stringMatching(/add 127\.0\.0\.1/) }),
      expect.objectContaining({ source: 'login', code: 'WECOM_IP_NOT_TRUSTED', message: expect.stringMatching(/add 127\.0\.0\.1/) }),
    ]);
  });

  it('is for administrators only, and names an unknown authenticator', async () => {
    expect((await http().get('/api/admin/authenticators/wecom/check')).status).toBe(401);
    const unknown = await http().get('/api/admin/authenticators/nope/check').set(admin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors[0].code).toBe('AUTHENTICATOR_NOT_FOUND');
  });
});
