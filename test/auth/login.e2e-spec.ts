import jwt from 'jsonwebtoken';
import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { countNocobaseUsers, insertNocobaseUser, rolesOf } from '../utils/nocobase-factory';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { TEST_JWT_SECRET } from '../utils/test-config';
import { createTestDatabase, NAMING_MODES, type TestDatabase } from '../utils/test-database';
import { DESKTOP_UA, parseHandoff, WECOM_UA, WecomLoginDriver } from '../utils/wecom-login-driver';
import { emulatorEnv } from '../utils/emulator-env';

const ORIGIN = 'https://nocobase.example.com';
/** A refusal as the member reads it: the message, and the login audit row that holds the detail. */
const withReference = (message: string) => expect.stringMatching(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(reference \\d+\\)$`));
const ADMIN_KEY = 'admin-key-0123456789abcdefghij';

/** A hand-made WeCom directory: each member's mobile in another real-world spelling. */
const DIRECTORY = {
  corpName: '测试公司',
  departments: [
    { id: 1, name: '测试公司', parentid: 0 },
    { id: 2, name: '研发部', parentid: 1 },
  ],
  members: [
    { userid: 'zhangsan', name: '张三', department: [2], main_department: 2, mobile: '13800000001' },
    { userid: 'lisi', name: '李四', department: [2], main_department: 2, mobile: '+86 13800000002' },
    { userid: 'wangwu', name: '王五', department: [1], main_department: 1, mobile: '138-0000-0003' },
    { userid: 'zhaoliu', name: '赵六', department: [2], main_department: 2, mobile: '+8613800000004', email: 'zhaoliu@example.com' },
    { userid: 'newbie', name: '新人', department: [2], main_department: 2, mobile: '13900000005' },
    { userid: 'rush', name: '抢登', department: [2], main_department: 2, mobile: '13900000006' },
  ],
};

describe.each(NAMING_MODES)('WeCom login into a %s NocoBase', (naming) => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let nb: NocobaseSchema;
  let driver: WecomLoginDriver;
  let alice: number;
  let bob: number;
  let carol: number;
  const http = () => request(bridge.app.getHttpServer());
  const admin = () => ({ Authorization: `Bearer ${ADMIN_KEY}` });

  beforeAll(async () => {
    db = await createTestDatabase({ naming });
    emu = await startEmulator({ port: 0, corpId: 'wwe2etest', agentId: 1000002, directory: DIRECTORY });
    bridge = await createTestApp(db, {
      BRIDGE_ADMIN_API_KEY: ADMIN_KEY,
      ...emulatorEnv(emu, { origin: ORIGIN, contactSecret: false }),
    });
    nb = bridge.app.get(NocobaseSchema);
    driver = new WecomLoginDriver(bridge.app);
    // NocoBase users, phones as someone typed them into NocoBase.
    alice = await insertNocobaseUser(db, nb, { nickname: 'Alice', phone: '13800000001' });
    bob = await insertNocobaseUser(db, nb, { nickname: 'Bob', phone: '+86 138 0000 0002' });
    carol = await insertNocobaseUser(db, nb, { nickname: 'Carol', phone: '+8613800000003' });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it('lists the enabled authenticators publicly', async () => {
    const res = await http().get('/api/wecom/authenticators').expect(200);
    expect(res.body).toEqual({
      data: [{ name: 'wecom', title: '企业微信', autoLogin: false, loginUrl: '/api/wecom/wecom/login', authUrl: '/api/wecom/wecom/auth-url' }],
    });
  });

  it('sends the WeCom client to in-client OAuth and browsers to the QR page', async () => {
    const inClient = await driver.start({ inClient: true, redirect: '/m' });
    const url = new URL(inClient.authorizeUrl.replace('#wechat_redirect', ''));
    expect(url.pathname).toBe('/connect/oauth2/authorize');
    expect(inClient.authorizeUrl.endsWith('#wechat_redirect')).toBe(true);
    expect(url.searchParams.get('scope')).toBe('snsapi_privateinfo');
    expect(url.searchParams.get('agentid')).toBe('1000002');
    expect(url.searchParams.get('redirect_uri')).toBe(`${ORIGIN}/api/wecom/wecom/callback`);
    expect(inClient.state).toMatch(/^[0-9a-f]{64}$/);
    expect(inClient.cookie).toMatch(/^wecom_bridge_nonce_[0-9a-f]{12}=/);

    const qr = new URL((await driver.start({ inClient: false })).authorizeUrl);
    expect(qr.pathname).toBe('/wwlogin/sso/login');
    expect(qr.searchParams.get('login_type')).toBe('CorpApp');
  });

  it('refuses a QR login before the first in-client authorization, and sends the browser back to sign-in', async () => {
    const res = await driver.login('zhangsan', { inClient: false, redirect: '/admin' });
    expect(res.status).toBe(302);
    const handoff = parseHandoff(res.headers.location);
    expect(`${handoff.origin}${handoff.path}`).toBe(`${ORIGIN}/signin`);
    expect(handoff).toMatchObject({ authenticator: 'basic', token: null });
    expect(handoff.error).toEqual(withReference('complete your first login inside the WeCom client: open the app from the WeCom workbench'));
    expect(new URL(res.headers.location).searchParams.get('redirect')).toBe('/admin');
  });

  it('binds at the first in-client login and hands NocoBase a session it accepts', async () => {
    const res = await driver.login('zhangsan', { inClient: true, redirect: '/m' });
    expect(res.status).toBe(302);
    const handoff = parseHandoff(res.headers.location);
    expect(`${handoff.origin}${handoff.path}`).toBe(`${ORIGIN}/m`);
    expect(handoff.authenticator).toBe('basic');
    const payload = jwt.verify(handoff.token!, TEST_JWT_SECRET) as jwt.JwtPayload;
    expect(payload).toMatchObject({ userId: alice, temp: true });
    expect(payload.exp! - payload.iat!).toBe(86400);
    const t = nb.columns('issuedTokens');
    const rows = await db.query(`SELECT ${t.userId} AS user_id FROM ${nb.table('issuedTokens')} WHERE ${t.jti} = $1`, [payload.jti]);
    expect(rows).toEqual([{ user_id: String(alice) }]);

    const binding = await http().get('/api/admin/bindings').query({ userid: 'zhangsan' }).set(admin()).expect(200);
    expect(binding.body.data).toEqual([
      expect.objectContaining({ authenticator: 'wecom', wecomUserid: 'zhangsan', userId: alice, phone: '+8613800000001', source: 'login' }),
    ]);
    expect(binding.body.data[0].firstInClientAuthAt).toEqual(expect.any(String));
    expect(binding.body.meta).toEqual({ count: 1, page: 1, pageSize: 50, totalPage: 1 });
  });

  it('then lets the same member in by QR login', async () => {
    const res = await driver.login('zhangsan', { inClient: false });
    const handoff = parseHandoff(res.headers.location);
    expect(handoff.path).toBe('/admin');
    expect((jwt.verify(handoff.token!, TEST_JWT_SECRET) as jwt.JwtPayload).userId).toBe(alice);
  });

  it.each([
    ['lisi', () => bob],
    ['wangwu', () => carol],
  ])('matches %s whatever the phone spellings on both sides', async (userid, expected) => {
    const res = await driver.login(userid, { inClient: true });
    expect((jwt.verify(parseHandoff(res.headers.location).token!, TEST_JWT_SECRET) as jwt.JwtPayload).userId).toBe(expected());
  });

  it('refuses an unknown phone while auto sign-up is off, creating nothing', async () => {
    const before = await countNocobaseUsers(db, nb);
    const res = await driver.login('newbie', { inClient: true });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('no NocoBase account has this phone number; ask an administrator');
    expect(await countNocobaseUsers(db, nb)).toBe(before);
  });

  it('shows the consent refusal inside the client as a page', async () => {
    const res = await driver.login('zhaoliu', { inClient: true, extra: { consent: 'deny' } });
    expect(res.text).toContain('WeCom did not share your mobile number');
  });

  it('refuses a replayed callback and a reused code', async () => {
    const step = await driver.start({ inClient: true });
    const callbackUrl = await driver.authorize(step, 'zhangsan');
    expect((await driver.callback(callbackUrl, { cookie: step.cookie, inClient: false })).headers.location).toContain('token=');
    const replay = await driver.callback(callbackUrl, { cookie: step.cookie, inClient: false });
    expect(parseHandoff(replay.headers.location).error).toEqual(withReference('this login link was already used or is unknown; start the login again'));

    // The same code under a fresh, valid state: WeCom refuses it (40029).
    const fresh = await driver.start({ inClient: false });
    const code = new URL(callbackUrl).searchParams.get('code')!;
    const reuse = await driver.callback(`${ORIGIN}/api/wecom/wecom/callback?code=${code}&state=${fresh.state}`, { cookie: fresh.cookie, inClient: false });
    expect(parseHandoff(reuse.headers.location).error).toEqual(withReference('the WeCom sign-in expired or was already used; start it again'));
  });

  it('refuses expired, foreign and cross-browser states, and creates nothing', async () => {
    const before = await countNocobaseUsers(db, nb);
    const expired = await driver.start({ inClient: false });
    await db.query(`UPDATE wecom_bridge.login_states SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.state.slice(0, 32)]);
    const e1 = await driver.callback(await driver.authorize(expired, 'zhangsan'), { cookie: expired.cookie, inClient: false });
    expect(parseHandoff(e1.headers.location).error).toEqual(withReference('the login took longer than 10 minutes; start it again'));

    const forged = await driver.start({ inClient: false });
    const f = await driver.callback(`${ORIGIN}/api/wecom/wecom/callback?code=x&state=${forged.state.slice(0, 32)}${'0'.repeat(32)}`, {
      cookie: forged.cookie,
      inClient: false,
    });
    expect(parseHandoff(f.headers.location).error).toEqual(withReference('the login state was not issued by this bridge'));

    const other = await driver.start({ inClient: false });
    const c = await driver.callback(await driver.authorize(other, 'zhangsan'), { inClient: false });
    expect(parseHandoff(c.headers.location).error).toMatch(/started in another browser/);
    expect(await countNocobaseUsers(db, nb)).toBe(before);
  });

  it.each(['//evil.example.com', 'https://evil.example.com/admin', '/\\evil.example.com', 'javascript:alert(1)'])(
    'refuses the open redirect %s',
    async (target) => {
      const res = await http().get('/api/wecom/wecom/login').query({ redirect: target }).set('User-Agent', DESKTOP_UA).expect(400);
      expect(res.body.errors[0]).toEqual({
        code: 'INVALID_REDIRECT',
        message: `redirect must be a path on ${ORIGIN}, such as /admin`,
        requestId: expect.any(String),
      });
    },
  );

  it('returns the login URL as data for a sign-in button', async () => {
    const res = await http().get('/api/wecom/wecom/auth-url').query({ redirect: '/admin' }).set('User-Agent', DESKTOP_UA).expect(200);
    expect(res.body.data.url).toMatch(new RegExp(`^${emu.baseUrl}/wwlogin/sso/login\\?`));
    expect(res.headers['set-cookie'][0]).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
  });

  describe('administration', () => {
    it('authenticates the admin API', async () => {
      await http().get('/api/admin/authenticators').expect(401);
      await http().get('/api/admin/authenticators').set('Authorization', 'Bearer nope').expect(401);
      const member = parseHandoff((await driver.login('zhangsan', { inClient: false })).headers.location).token!;
      const forbidden = await http().get('/api/admin/authenticators').set('Authorization', `Bearer ${member}`).expect(403);
      expect(forbidden.body.errors[0].code).toBe('ADMIN_FORBIDDEN');
      const rootToken = await bridge.app.get((await import('../../src/nocobase/nocobase-session.service')).NocobaseSessionService).mint(1, 'basic');
      await http().get('/api/admin/authenticators').set('Authorization', `Bearer ${rootToken.token}`).expect(200);
      await http().get('/api/admin/authenticators').set(admin()).expect(200);
    });

    it('keeps secrets write-only and sealed at rest, and shows the console values', async () => {
      const created = await http()
        .post('/api/admin/authenticators')
        .set(admin())
        .send({
          name: 'branch',
          title: 'Branch office',
          corpId: 'wwbranch01',
          agentId: 1000009,
          secret: 'branch-secret-xyz',
          origin: 'https://branch.example.com:8443/',
        })
        .expect(201);
      expect(created.body.data).toMatchObject({
        name: 'branch',
        agentId: '1000009',
        origin: 'https://branch.example.com:8443',
        secretSet: true,
        contactSecretSet: false,
        wecomConsole: {
          trustedDomain: 'branch.example.com:8443',
          redirectUri: 'https://branch.example.com:8443/api/wecom/branch/callback',
          workbenchHomepage: 'https://branch.example.com:8443/api/wecom/branch/login?redirect=%2Fadmin',
        },
      });
      expect(JSON.stringify(created.body)).not.toContain('branch-secret-xyz');
      const [row] = await db.query<{ secret_sealed: string }>(`SELECT secret_sealed FROM wecom_bridge.authenticators WHERE name = 'branch'`);
      expect(row.secret_sealed).not.toContain('branch-secret-xyz');
    });

    it('validates input field by field', async () => {
      const res = await http().post('/api/admin/authenticators').set(admin()).send({ name: 'Bad Name', corpId: 'x' }).expect(400);
      const messages = res.body.errors.map((e: { message: string }) => e.message).join('\n');
      expect(messages).toMatch(/name must be lowercase/);
      expect(messages).toMatch(/corpId must be a WeCom corp ID/);
      expect(messages).toMatch(/origin must be an origin such as https:\/\/nocobase.example.com/);
    });

    it('allows one auto-login authenticator at most', async () => {
      await http().patch('/api/admin/authenticators/branch').set(admin()).send({ autoLogin: true }).expect(200);
      const res = await http()
        .post('/api/admin/authenticators')
        .set(admin())
        .send({
          name: 'third',
          title: 'Third',
          corpId: 'wwthird01',
          agentId: '1',
          secret: 'third-secret-1',
          origin: 'https://third.example.com',
          autoLogin: true,
        })
        .expect(400);
      expect(res.body.errors[0]).toEqual({
        code: 'AUTO_LOGIN_TAKEN',
        message: 'only one enabled authenticator may have auto-login, and "branch" already has it; turn it off there first',
        requestId: expect.any(String),
      });
      // The workbench homepage link starts the auto-login authenticator's login.
      const auto = await http().get('/api/wecom/auto-login').set('User-Agent', WECOM_UA).expect(302);
      expect(new URL(auto.headers.location.replace('#wechat_redirect', '')).searchParams.get('appid')).toBe('wwbranch01');
      await http().patch('/api/admin/authenticators/branch').set(admin()).send({ autoLogin: false }).expect(200);
      await http().get('/api/wecom/auto-login').expect(404);
    });

    it('refuses to edit the authenticator declared by environment', async () => {
      const res = await http().patch('/api/admin/authenticators/wecom').set(admin()).send({ autoSignUp: true }).expect(409);
      expect(res.body.errors[0].code).toBe('AUTHENTICATOR_DECLARED_BY_ENV');
    });

    it('deletes a binding, after which the member binds again in-client', async () => {
      const list = await http().get('/api/admin/bindings').query({ phone: '138 0000 0002' }).set(admin()).expect(200);
      expect(list.body.data).toHaveLength(1);
      await http().delete(`/api/admin/bindings/${list.body.data[0].id}`).set(admin()).expect(204);
      await http().delete(`/api/admin/bindings/${list.body.data[0].id}`).set(admin()).expect(404);
      const qr = await driver.login('lisi', { inClient: false });
      expect(parseHandoff(qr.headers.location).error).toMatch(/first login inside the WeCom client/);
      const again = await driver.login('lisi', { inClient: true });
      expect((jwt.verify(parseHandoff(again.headers.location).token!, TEST_JWT_SECRET) as jwt.JwtPayload).userId).toBe(bob);
    });

    it('audits every decision', async () => {
      const rows = await db.query<{ code: string; outcome: string }>(`SELECT code, outcome FROM wecom_bridge.login_audit`);
      const codes = new Set(rows.map((r) => `${r.outcome}:${r.code}`));
      for (const expected of ['succeeded:FIRST_BINDING', 'succeeded:BOUND', 'refused:FIRST_LOGIN_IN_CLIENT', 'refused:NO_ACCOUNT', 'refused:INVALID_STATE']) {
        expect(codes).toContain(expected);
      }
    });
  });

  describe('with auto sign-up', () => {
    let auto: TestApp;
    let autoDriver: WecomLoginDriver;

    beforeAll(async () => {
      await http()
        .post('/api/admin/authenticators')
        .set(admin())
        .send({ name: 'auto', title: 'Auto', corpId: emu.corpId, agentId: String(emu.agentId), secret: emu.secret, origin: ORIGIN, autoSignUp: true })
        .expect(201);
      auto = bridge;
      autoDriver = new WecomLoginDriver(auto.app, 'auto');
    });

    it("creates the user with the member's name, phone and the default role", async () => {
      const res = await autoDriver.login('newbie', { inClient: true });
      const userId = (jwt.verify(parseHandoff(res.headers.location).token!, TEST_JWT_SECRET) as jwt.JwtPayload).userId as number;
      const u = nb.columns('users');
      const [user] = await db.query(`SELECT ${u.nickname} AS nickname, ${u.phone} AS phone FROM ${nb.table('users')} WHERE ${u.id} = $1`, [userId]);
      expect(user).toEqual({ nickname: '新人', phone: '13900000005' });
      expect(await rolesOf(db, nb, userId)).toEqual(['member']);
    });

    it('turns 50 simultaneous first logins of one member into one user and one binding', async () => {
      const before = await countNocobaseUsers(db, nb);
      const steps = await Promise.all(Array.from({ length: 50 }, () => autoDriver.start({ inClient: true })));
      const callbacks = await Promise.all(steps.map((s) => autoDriver.authorize(s, 'rush')));
      const answers = await Promise.all(callbacks.map((url, i) => autoDriver.callback(url, { cookie: steps[i].cookie, inClient: true })));
      const users = new Set(answers.map((r) => (jwt.verify(parseHandoff(r.headers.location).token!, TEST_JWT_SECRET) as jwt.JwtPayload).userId));
      expect(users.size).toBe(1);
      expect(await countNocobaseUsers(db, nb)).toBe(before + 1);
      const [{ n }] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM wecom_bridge.bindings b JOIN wecom_bridge.authenticators a ON a.id = b.authenticator_id WHERE a.name = 'auto' AND wecom_userid = 'rush'`,
      );
      expect(Number(n)).toBe(1);
    });
  });
});
