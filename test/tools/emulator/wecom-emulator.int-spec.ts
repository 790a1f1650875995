import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as wecomCrypto from '@wecom/crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { generateDirectory, startEmulator, type WecomEmulator } from '../../../tools/emulator';
import { ODD_EVERY, ODD_MOBILE_PREFIXES } from '../../../tools/emulator/generator';

/** Raw WeCom calls, as a plain HTTP client sees them. */
async function call(emu: WecomEmulator, path: string, query: Record<string, string | number> = {}, body?: object) {
  const url = new URL(`/cgi-bin/${path}`, emu.baseUrl);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  const res = await fetch(url, body ? { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {});
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

async function token(emu: WecomEmulator, secret = emu.secret): Promise<string> {
  const r = await call(emu, 'gettoken', { corpid: emu.corpId, corpsecret: secret });
  expect(r.errcode).toBe(0);
  return r.access_token;
}

/** Follows the authorize page as `as`; returns the redirect's query. */
async function authorize(emu: WecomEmulator, params: Record<string, string>, path = '/connect/oauth2/authorize') {
  const url = new URL(path, emu.baseUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status !== 302) return { page: await res.text(), query: null };
  return { page: null, query: new URL(res.headers.get('location')!).searchParams };
}

const oauthParams = (emu: WecomEmulator, extra: Record<string, string> = {}) => ({
  appid: emu.corpId,
  redirect_uri: 'https://bridge.example.com:8443/api/wecom/wecom/callback',
  response_type: 'code',
  scope: 'snsapi_privateinfo',
  state: 'abc123',
  agentid: String(emu.agentId),
  ...extra,
});

describe('WeCom emulator', () => {
  let emu: WecomEmulator;
  beforeEach(async () => {
    emu = await startEmulator({ members: 120, departments: 25, seed: 42 });
  });
  afterEach(() => emu.close());

  describe('gettoken', () => {
    it('returns the same token until it expires, and separate tokens per secret', async () => {
      const a = await call(emu, 'gettoken', { corpid: emu.corpId, corpsecret: emu.secret });
      expect(a).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: expect.any(Number) });
      expect(a.expires_in).toBeLessThanOrEqual(7200);
      expect(await token(emu)).toBe(a.access_token);
      expect(await token(emu, emu.contactSecret!)).not.toBe(a.access_token);
    });

    it('answers 40001 for a wrong secret, 40013 for a wrong corp, 41004 without a secret', async () => {
      expect((await call(emu, 'gettoken', { corpid: emu.corpId, corpsecret: 'wrong' })).errcode).toBe(40001);
      expect((await call(emu, 'gettoken', { corpid: 'wwnope', corpsecret: emu.secret })).errcode).toBe(40013);
      expect((await call(emu, 'gettoken', { corpid: emu.corpId })).errcode).toBe(41004);
    });

    it('bans the IP from gettoken after repeated wrong secrets', async () => {
      for (let i = 0; i < emu.policy.wrongSecretsBeforeBan; i++) await call(emu, 'gettoken', { corpid: emu.corpId, corpsecret: 'wrong' });
      expect((await call(emu, 'gettoken', { corpid: emu.corpId, corpsecret: emu.secret })).errcode).toBe(45009);
    });

    it('gives 41001 without a token, 40014 for garbage or an invalidated one, 42001 once expired', async () => {
      expect((await call(emu, 'user/get', { userid: 'x' })).errcode).toBe(41001);
      expect((await call(emu, 'user/get', { access_token: 'garbage', userid: 'x' })).errcode).toBe(40014);
      const t = await token(emu);
      emu.tokens.invalidateAll();
      expect((await call(emu, 'user/get', { access_token: t, userid: 'x' })).errcode).toBe(40014);
      emu.policy.tokenTtlSeconds = 1;
      const short = await token(emu);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await call(emu, 'user/get', { access_token: short, userid: 'x' })).errcode).toBe(42001);
    });
  });

  describe('errors', () => {
    it("answer HTTP 200 with errcode and WeCom's errmsg tail", async () => {
      const r = await call(emu, 'user/get', { access_token: 'garbage', userid: 'x' });
      expect(r.errmsg).toMatch(
        /^invalid access_token, hint: \[\d+_\d+_[0-9a-f]+\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=40014$/,
      );
    });

    it('refuses callers outside the trusted IPs with 60020 naming the IP', async () => {
      const t = await token(emu);
      emu.policy.trustedIps = ['10.0.0.1'];
      const r = await call(emu, 'department/simplelist', { access_token: t });
      expect(r.errcode).toBe(60020);
      expect(r.errmsg).toContain('from ip: 127.0.0.1');
    });

    it('answers 45009 past the per-API limit for the rest of the window, other APIs unaffected', async () => {
      const t = await token(emu);
      emu.policy.rateLimitPerMinute = 3;
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await call(emu, 'department/simplelist', { access_token: t })).errcode);
      expect(codes).toEqual([0, 0, 0, 45009, 45009]);
      expect((await call(emu, 'department/list', { access_token: t })).errcode).toBe(0);
    });

    it('injects busy, HTTP errors, malformed JSON and latency on demand', async () => {
      const t = await token(emu);
      emu.faults.add({ api: 'department/simplelist', kind: 'busy' });
      expect((await call(emu, 'department/simplelist', { access_token: t })).errcode).toBe(-1);
      expect((await call(emu, 'department/simplelist', { access_token: t })).errcode).toBe(0);
      emu.faults.add({ kind: 'http_error', status: 502 });
      expect((await fetch(`${emu.baseUrl}/cgi-bin/department/simplelist?access_token=${t}`)).status).toBe(502);
      emu.faults.add({ kind: 'malformed_json' });
      await expect((await fetch(`${emu.baseUrl}/cgi-bin/department/simplelist?access_token=${t}`)).json()).rejects.toThrow();
      emu.faults.add({ kind: 'latency', latencyMs: 300 });
      const started = Date.now();
      await call(emu, 'department/simplelist', { access_token: t });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('rejects a GET to a POST API and bad JSON with 40058', async () => {
      const t = await token(emu, emu.contactSecret!);
      expect((await call(emu, 'user/list_id', { access_token: t })).errcode).toBe(40058);
      const res = await fetch(`${emu.baseUrl}/cgi-bin/user/list_id?access_token=${t}`, { method: 'POST', body: '{nope' });
      expect(await res.json()).toMatchObject({ errcode: 40058, errmsg: expect.stringContaining('wrong json format') });
    });
  });

  describe('directory', () => {
    it('pages user/list_id with an opaque cursor, one row per user–department pair, and an empty next_cursor at the end', async () => {
      const t = await token(emu, emu.contactSecret!);
      const rows: Array<{ userid: string; department: number }> = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const r = await call(emu, 'user/list_id', { access_token: t }, cursor ? { cursor, limit: 50 } : { limit: 50 });
        expect(r.errcode).toBe(0);
        rows.push(...r.dept_user);
        cursor = r.next_cursor;
        pages += 1;
      } while (cursor);
      const expected = [...emu.directory.allMembers()].flatMap((m) => m.department.map((department) => ({ userid: m.userid, department })));
      expect(rows).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 50));
      expect(expected.length).toBeGreaterThan(emu.directory.memberCount); // some members are in several departments
    });

    it('keeps user/list_id to the contact-sync secret (48002)', async () => {
      expect((await call(emu, 'user/list_id', { access_token: await token(emu) }, {})).errcode).toBe(48002);
    });

    it('answers user/get with WeCom field names and types, minus sensitive fields for a post-2022 app', async () => {
      const m = [...emu.directory.allMembers()].find((x) => x.department.length > 1)!;
      const r = await call(emu, 'user/get', { access_token: await token(emu), userid: m.userid.toUpperCase() });
      expect(r).toMatchObject({ errcode: 0, userid: m.userid, name: m.name, department: m.department, main_department: m.main_department, status: m.status });
      expect(r.is_leader_in_dept).toHaveLength(m.department.length);
      expect(r.order).toHaveLength(m.department.length);
      for (const f of ['mobile', 'email', 'gender', 'avatar', 'biz_mail', 'address', 'qr_code']) expect(r).not.toHaveProperty(f);
      emu.app.createdAfter20220620 = false;
      const old = await call(emu, 'user/get', { access_token: await token(emu), userid: m.userid });
      expect(typeof old.gender).toBe('string');
      expect(old.mobile).toBe(m.mobile);
    });

    it('enforces the visible range: 60111 for members outside it, 60011 for departments', async () => {
      const dept = emu.directory.allDepartments().find((d) => d.parentid === 1 && emu.directory.membersOf(d.id).length > 0)!;
      emu.app.visibleDepartments = [dept.id];
      const inside = new Set(emu.directory.subtree(dept.id).map((d) => d.id));
      const outsider = [...emu.directory.allMembers()].find((m) => !m.department.some((d) => inside.has(d)))!;
      const t = await token(emu);
      expect((await call(emu, 'user/get', { access_token: t, userid: outsider.userid })).errcode).toBe(60111);
      const other = emu.directory.allDepartments().find((d) => !inside.has(d.id))!;
      expect((await call(emu, 'department/get', { access_token: t, id: other.id })).errcode).toBe(60011);
      const simple = await call(emu, 'department/simplelist', { access_token: t });
      expect(simple.department_id.map((d: { id: number }) => d.id).sort()).toEqual([...inside].sort());
    });

    it('answers 48009 on detail readers for a contact-sync secret on a new IP, while id APIs keep working', async () => {
      emu.policy.contactSyncFromNewIp = true;
      const t = await token(emu, emu.contactSecret!);
      for (const path of ['user/get', 'user/list', 'user/simplelist', 'department/list', 'department/get']) {
        expect((await call(emu, path, { access_token: t, userid: 'x', department_id: 1, id: 1 })).errcode).toBe(48009);
      }
      expect((await call(emu, 'department/simplelist', { access_token: t })).errcode).toBe(0);
      expect((await call(emu, 'user/list_id', { access_token: t }, {})).errcode).toBe(0);
    });

    it('lists departments under the key department_id, and the tree with leaders via department/list', async () => {
      const t = await token(emu);
      const simple = await call(emu, 'department/simplelist', { access_token: t });
      expect(simple.department_id[0]).toEqual({ id: 1, parentid: 0, order: expect.any(Number) });
      const full = await call(emu, 'department/list', { access_token: t });
      expect(full.department).toHaveLength(emu.directory.departmentCount);
      expect(full.department.some((d: { department_leader: string[] }) => d.department_leader.length > 0)).toBe(true);
      expect((await call(emu, 'department/get', { access_token: t, id: 999_999 })).errcode).toBe(60003);
    });

    it('lists a department with user/simplelist and user/list, recursively with fetch_child', async () => {
      const t = await token(emu);
      const direct = await call(emu, 'user/simplelist', { access_token: t, department_id: 1 });
      const all = await call(emu, 'user/list', { access_token: t, department_id: 1, fetch_child: 1 });
      expect(direct.userlist.length).toBeLessThan(all.userlist.length);
      expect(all.userlist).toHaveLength(emu.directory.memberCount);
    });
  });

  describe('generator', () => {
    it('is deterministic per seed, nests at most 15 levels, and spells mobiles several ways', () => {
      const a = generateDirectory({ members: 500, departments: 300, seed: 9 });
      const b = generateDirectory({ members: 500, departments: 300, seed: 9 });
      expect([...a.allMembers()]).toEqual([...b.allMembers()]);
      const depths = a.allDepartments().map((d) => a.depth(d.id));
      expect(Math.max(...depths)).toBeLessThanOrEqual(15);
      expect(Math.max(...depths)).toBeGreaterThan(5);
      const mobiles = [...a.allMembers()].map((m) => m.mobile);
      expect(mobiles.some((m) => /^1\d{10}$/.test(m))).toBe(true);
      expect(mobiles.some((m) => m.startsWith('+86 '))).toBe(true);
      expect(mobiles.some((m) => /^\+861/.test(m))).toBe(true);
      expect(mobiles.some((m) => /^1\d\d-\d{4}-\d{4}$/.test(m))).toBe(true);
      expect(new Set([...a.allMembers()].map((m) => m.status))).toEqual(new Set([1, 2, 4, 5]));
    });

    // Issue #14, finding 7: 140 and 160 prefixes made 5,136 of 18,005 provisioned users phoneless.
    it('gives realistic mobiles, with a few odd ones on purpose', () => {
      const members = [...generateDirectory({ members: 2000, departments: 20, seed: 4 }).allMembers()];
      const parsed = members.map((m) => parsePhoneNumberFromString(m.mobile, 'CN')!);
      const odd = parsed.filter((p) => !p.isValid());
      expect(odd.length).toBe(2000 / ODD_EVERY);
      expect(new Set(odd.map((p) => String(p.nationalNumber).slice(0, 3)))).toEqual(new Set(ODD_MOBILE_PREFIXES));
      expect(odd.every((p) => p.isPossible())).toBe(true);
      expect(new Set(parsed.map((p) => p.number)).size).toBe(2000);
    });
  });

  describe('OAuth', () => {
    const active = () => [...emu.directory.allMembers()].find((m) => m.status === 1)!;

    it('issues a single-use code with a user_ticket for privateinfo with agentid, and the phone through getuserdetail', async () => {
      const m = active();
      const { query } = await authorize(emu, { ...oauthParams(emu), as: m.userid });
      expect(query!.get('state')).toBe('abc123');
      const t = await token(emu);
      const info = await call(emu, 'auth/getuserinfo', { access_token: t, code: query!.get('code')! });
      expect(info).toMatchObject({ errcode: 0, userid: m.userid, user_ticket: expect.any(String) });
      expect((await call(emu, 'auth/getuserinfo', { access_token: t, code: query!.get('code')! })).errcode).toBe(40029);
      const detail = await call(emu, 'auth/getuserdetail', { access_token: t }, { user_ticket: info.user_ticket });
      expect(detail).toMatchObject({ errcode: 0, userid: m.userid, mobile: m.mobile, gender: m.gender });
    });

    it('treats privateinfo without agentid as base: no ticket', async () => {
      const { agentid: _drop, ...params } = oauthParams(emu);
      const { query } = await authorize(emu, { ...params, as: active().userid });
      const info = await call(emu, 'auth/getuserinfo', { access_token: await token(emu), code: query!.get('code')! });
      expect(info.userid).toBe(active().userid);
      expect(info).not.toHaveProperty('user_ticket');
    });

    it('expires codes after five minutes (40029)', async () => {
      const { query } = await authorize(emu, { ...oauthParams(emu), as: active().userid });
      emu.oauth.age(5 * 60_000 + 1);
      expect((await call(emu, 'auth/getuserinfo', { access_token: await token(emu), code: query!.get('code')! })).errcode).toBe(40029);
    });

    it('returns no mobile when the admin did not enable the sensitive fields', async () => {
      emu.app.sensitiveFieldsEnabled = false;
      const { query } = await authorize(emu, { ...oauthParams(emu), as: active().userid });
      const t = await token(emu);
      const info = await call(emu, 'auth/getuserinfo', { access_token: t, code: query!.get('code')! });
      const detail = await call(emu, 'auth/getuserdetail', { access_token: t }, { user_ticket: info.user_ticket });
      expect(detail).toMatchObject({ gender: '0' });
      expect(detail).not.toHaveProperty('mobile');
    });

    it('checks the trusted domain exactly, port included: an error page, and 50001 for a code of a since-changed domain', async () => {
      emu.app.trustedDomain = 'bridge.example.com';
      const refused = await authorize(emu, { ...oauthParams(emu), as: active().userid });
      expect(refused.page).toContain('redirect_uri需使用应用可信域名');
      emu.app.trustedDomain = null;
      const { query } = await authorize(emu, { ...oauthParams(emu), as: active().userid });
      emu.app.trustedDomain = 'bridge.example.com';
      expect((await call(emu, 'auth/getuserinfo', { access_token: await token(emu), code: query!.get('code')! })).errcode).toBe(50001);
    });

    it('refuses privateinfo for a member outside the visible range with a page', async () => {
      const m = active();
      emu.app.visibleDepartments = [];
      emu.app.visibleUsers = [];
      expect((await authorize(emu, { ...oauthParams(emu), as: m.userid })).page).toContain('可见范围');
    });

    it('does not let the contact-sync token consume codes (50001)', async () => {
      const { query } = await authorize(emu, { ...oauthParams(emu), as: active().userid });
      expect((await call(emu, 'auth/getuserinfo', { access_token: await token(emu, emu.contactSecret!), code: query!.get('code')! })).errcode).toBe(50001);
    });

    it('web login gives the userid only, and the legacy endpoint spells it UserId', async () => {
      const m = active();
      const { query } = await authorize(
        emu,
        { login_type: 'CorpApp', appid: emu.corpId, agentid: String(emu.agentId), redirect_uri: 'http://localhost:3000/cb', state: 's1', as: m.userid },
        '/wwlogin/sso/login',
      );
      const t = await token(emu);
      const info = await call(emu, 'auth/getuserinfo', { access_token: t, code: query!.get('code')! });
      expect(info).toEqual({ errcode: 0, errmsg: 'ok', userid: m.userid });
      const legacy = await authorize(
        emu,
        { appid: emu.corpId, agentid: String(emu.agentId), redirect_uri: 'http://localhost:3000/cb', state: 's2', as: m.userid },
        '/wwopen/sso/qrConnect',
      );
      expect(await call(emu, 'user/getuserinfo', { access_token: t, code: legacy.query!.get('code')! })).toMatchObject({ UserId: m.userid });
    });

    it('redirects without a code when the member refuses, and shows a page for a disabled member', async () => {
      const { query } = await authorize(emu, { ...oauthParams(emu), as: active().userid, consent: 'deny' });
      expect(query!.get('code')).toBeNull();
      expect(query!.get('state')).toBe('abc123');
      const disabled = [...emu.directory.allMembers()].find((m) => m.status === 2)!;
      expect((await authorize(emu, { ...oauthParams(emu), as: disabled.userid })).page).toContain('停用');
    });

    it('gives a non-member an openid', async () => {
      const { query } = await authorize(emu, { ...oauthParams(emu), scope: 'snsapi_base', as: 'stranger' });
      const info = await call(emu, 'auth/getuserinfo', { access_token: await token(emu), code: query!.get('code')! });
      expect(info).toMatchObject({ openid: expect.any(String) });
      expect(info).not.toHaveProperty('userid');
    });

    it('stands for the member signed in to the emulated WeCom client when as= is absent, in-client only; as= still wins', async () => {
      const [a, b] = [...emu.directory.allMembers()].filter((m) => m.status === 1);
      const signIn = await fetch(new URL(`/_emulator/as?userid=${a.userid}`, emu.baseUrl));
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
      const inClient = async (extra: Record<string, string> = {}) => {
        const url = new URL('/connect/oauth2/authorize', emu.baseUrl);
        for (const [k, v] of Object.entries({ ...oauthParams(emu), ...extra })) url.searchParams.set(k, v);
        const res = await fetch(url, { redirect: 'manual', headers: { cookie } });
        expect(res.status).toBe(302);
        const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
        return call(emu, 'auth/getuserinfo', { access_token: await token(emu), code });
      };
      expect(await inClient()).toMatchObject({ userid: a.userid, user_ticket: expect.any(String) });
      expect(await inClient({ as: b.userid })).toMatchObject({ userid: b.userid });
      // A QR login is a scan by whoever holds the phone: the web login page still asks.
      const q = { login_type: 'CorpApp', appid: emu.corpId, agentid: String(emu.agentId), redirect_uri: 'http://localhost:3000/cb', state: 's' };
      const web = new URL(`/wwlogin/sso/login?${new URLSearchParams(q)}`, emu.baseUrl);
      expect(await (await fetch(web, { headers: { cookie } })).text()).toContain('choose who you are');

      expect((await fetch(new URL('/_emulator/as?userid=nobody-here', emu.baseUrl))).status).toBe(404);
      const signOut = await fetch(new URL('/_emulator/as', emu.baseUrl));
      expect(signOut.headers.get('set-cookie')).toMatch(/Max-Age=0/);
      const chooser = await authorize(emu, oauthParams(emu));
      expect(chooser.page).toContain('choose who you are');
    });

    it('lists every member in the chooser and finds them by name, userid or mobile', async () => {
      const active = [...emu.directory.allMembers()].filter((m) => m.status === 1);
      expect(active.length).toBeGreaterThan(50);
      const links = (page: string) => [...page.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => ({ href: m[1].replace(/&amp;/g, '&'), label: m[2] }));
      const all = (await authorize(emu, oauthParams(emu))).page!;
      expect(links(all)).toHaveLength(active.length);
      expect(all).toContain(`${active.length} 位成员`);

      const target = active[active.length - 1];
      for (const find of [target.name, target.userid.toUpperCase(), target.mobile.replace(/\D/g, '').slice(-4)]) {
        const found = links((await authorize(emu, { ...oauthParams(emu), emu_find: find })).page!);
        expect(found.map((l) => l.label)).toContain(`${target.name} (${target.userid})`);
        expect(found.length).toBeLessThan(active.length);
        const href = new URL(found.find((l) => l.label.endsWith(`(${target.userid})`))!.href);
        expect(href.searchParams.get('as')).toBe(target.userid);
        expect(href.searchParams.has('emu_find')).toBe(false);
        expect(href.searchParams.get('state')).toBe('abc123');
      }
    });
  });

  describe('callbacks', () => {
    const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
    let receiver: Server;
    let received: Array<{ query: URLSearchParams; body: string }>;
    let failFirst: number;
    let receiverUrl: string;

    beforeEach(async () => {
      received = [];
      failFirst = 0;
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          const query = new URL(req.url!, 'http://x').searchParams;
          if (req.method === 'GET') {
            const echostr = query.get('echostr')!;
            return res.end(wecomCrypto.decrypt(KEY, echostr).message);
          }
          received.push({ query, body: Buffer.concat(chunks).toString() });
          if (failFirst > 0) {
            failFirst -= 1;
            return res.writeHead(500).end();
          }
          res.end('');
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
    });
    afterEach(() => new Promise<void>((r) => receiver.close(() => r())));

    const decrypt = (body: string) => wecomCrypto.decrypt(KEY, /<Encrypt><!\[CDATA\[(.+?)\]\]><\/Encrypt>/.exec(body)![1]);

    it('passes the echostr handshake', async () => {
      emu.callbacks.configure({ url: receiverUrl, token: 'tok', encodingAesKey: KEY });
      expect(await emu.callbacks.verifyUrl()).toMatchObject({ ok: true, status: 200 });
    });

    it('sends all member and department change types, signed and encrypted for the corp', async () => {
      emu.callbacks.configure({ url: receiverUrl, token: 'tok', encodingAesKey: KEY });
      emu.directory.addDepartment({ id: 9001, name: '新部门', parentid: 1 });
      emu.directory.updateDepartment(9001, { name: '改名部门' });
      emu.directory.addMember({ userid: 'newcomer', name: '新人', department: [9001], mobile: '13912345678' });
      emu.directory.updateMember('newcomer', { new_userid: 'newcomer2', position: '工程师' });
      emu.directory.removeMember('newcomer2');
      emu.directory.removeDepartment(9001);
      emu.callbacks.tagChanged({ tagId: 3, addUsers: ['a', 'b'] });
      await emu.callbacks.idle();
      const events = received.map((r) => {
        const encrypt = /<Encrypt><!\[CDATA\[(.+?)\]\]><\/Encrypt>/.exec(r.body)![1];
        expect(wecomCrypto.getSignature('tok', r.query.get('timestamp')!, r.query.get('nonce')!, encrypt)).toBe(r.query.get('msg_signature'));
        const { message, id } = decrypt(r.body);
        expect(id).toBe(emu.corpId);
        return message;
      });
      expect(events.map((x) => /<ChangeType><!\[CDATA\[(\w+)\]\]>/.exec(x)![1])).toEqual([
        'create_party',
        'update_party',
        'create_user',
        'update_user',
        'delete_user',
        'delete_party',
        'update_tag',
      ]);
      expect(events[2]).toContain('<Mobile><![CDATA[13912345678]]></Mobile>');
      expect(events[2]).toContain('<MainDepartment>9001</MainDepartment>');
      expect(events[3]).toContain('<UserID><![CDATA[newcomer]]></UserID><NewUserID><![CDATA[newcomer2]]></NewUserID>');
      expect(events[6]).toContain('<AddUserItems><![CDATA[a,b]]></AddUserItems>');
    });

    it('sends reduced payloads after 2022-08-15, and update_party only when the parent changes', async () => {
      emu.callbacks.configure({ url: receiverUrl, token: 'tok', encodingAesKey: KEY, reduced: true });
      emu.directory.addDepartment({ id: 9002, name: '部门', parentid: 1 });
      emu.directory.updateDepartment(9002, { name: '只改名' });
      emu.directory.updateDepartment(9002, { parentid: 2 });
      emu.directory.addMember({ userid: 'reduced1', name: '简化', department: [9002], mobile: '13912340000' });
      await emu.callbacks.idle();
      const events = received.map((r) => decrypt(r.body).message);
      expect(events).toHaveLength(3);
      expect(events[0]).not.toContain('<Name>');
      expect(events[1]).toContain('<ParentId><![CDATA[2]]></ParentId>');
      expect(events[2]).toContain('<Department><![CDATA[9002]]></Department>');
      expect(events[2]).not.toContain('Mobile');
    });

    it('retries until three attempts when the receiver does not answer 200', async () => {
      emu.callbacks.configure({ url: receiverUrl, token: 'tok', encodingAesKey: KEY, retryDelayMs: 10 });
      failFirst = 2;
      emu.directory.removeMember([...emu.directory.allMembers()][0].userid);
      await emu.callbacks.idle();
      expect(received).toHaveLength(3);
      expect(emu.callbacks.deliveries.at(-1)).toMatchObject({ attempts: 3, delivered: true });
    });
  });

  describe('admin API', () => {
    it('changes the directory at run time and reports errors in WeCom terms', async () => {
      const post = (path: string, body: unknown, method = 'POST') =>
        fetch(`${emu.baseUrl}/_emulator/${path}`, { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
      expect((await post('members', { userid: 'adm1', name: '管理员', department: [1], mobile: '13700000001' })).status).toBe(200);
      const dup = await post('members', { userid: 'ADM1', name: 'x', department: [1] });
      expect(dup.status).toBe(400);
      expect(await dup.json()).toMatchObject({ errcode: 60102 });
      expect((await post('members/adm1', { status: 2 }, 'PATCH')).status).toBe(200);
      expect(emu.directory.member('adm1')!.status).toBe(2);
      expect((await post('faults', { api: 'user/get', kind: 'busy', times: 2 })).status).toBe(200);
      expect(emu.faults.list()).toHaveLength(1);
      expect((await post('members/adm1', {}, 'DELETE')).status).toBe(200);
      expect(emu.directory.member('adm1')).toBeUndefined();
    });
  });
});
