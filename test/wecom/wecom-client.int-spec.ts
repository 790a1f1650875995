import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { AdvisoryLockService } from '../../src/database/advisory-lock.service';
import { DbAccessTokenStore } from '../../src/wecom/access-token.store';
import { WecomClientFactory, type WecomFactoryOptions } from '../../src/wecom/wecom-client.factory';
import { WecomException } from '../../src/wecom/wecom.exception';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { TEST_BRIDGE_SECRET_KEY, testConfig } from '../utils/test-config';

const FAST: Omit<WecomFactoryOptions, 'apiBaseUrl'> = {
  timeoutMs: 2000,
  maxRetries: 3,
  retryBaseDelayMs: 5,
  rateLimitPauseMs: 1000,
  rateLimit: 10_000,
  rateLimitWindowMs: 60_000,
};

describe('WeCom client against the emulator', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  const config = testConfig();
  const box = new SecretBox(TEST_BRIDGE_SECRET_KEY);
  /** A new factory is what a new replica has: its own memory, the same database. */
  const replica = (options: Partial<WecomFactoryOptions> = {}) =>
    new WecomClientFactory(
      { ...FAST, apiBaseUrl: emu.baseUrl, ...options },
      new DbAccessTokenStore(db.dataSource, box, new AdvisoryLockService(db.dataSource), config),
    );
  const client = (options: Partial<WecomFactoryOptions> = {}) => replica(options).forCredentials(emu.corpId, emu.secret);

  beforeAll(async () => {
    db = await createTestDatabase({ naming: 'camel' });
  });
  afterAll(() => db.drop());
  beforeEach(async () => {
    await db.query('DELETE FROM wecom_bridge.wecom_access_tokens');
    emu = await startEmulator({ members: 60, departments: 12, seed: 3 });
  });
  afterEach(() => emu.close());

  async function failure(p: Promise<unknown>): Promise<WecomException> {
    try {
      await p;
    } catch (error) {
      expect(error).toBeInstanceOf(WecomException);
      return error as WecomException;
    }
    throw new Error('expected a WeCom error');
  }

  describe('reads', () => {
    it('returns typed members and departments', async () => {
      const c = client();
      const someone = [...emu.directory.allMembers()][0];
      expect(await c.getUser(someone.userid)).toMatchObject({
        userid: someone.userid,
        name: someone.name,
        department: someone.department,
        status: someone.status,
      });
      const departments = await c.listDepartments();
      expect(departments).toHaveLength(emu.directory.departmentCount);
      expect(departments[0]).toMatchObject({ id: 1, parentid: 0, name: emu.directory.corpName });
      expect(await c.listDepartmentIds()).toHaveLength(emu.directory.departmentCount);
    });

    it('walks user/list_id page by page with the contact-sync secret', async () => {
      const c = replica().forCredentials(emu.corpId, emu.contactSecret!);
      const pages: number[] = [];
      const userids = new Set<string>();
      for await (const rows of c.userIdPages(25)) {
        pages.push(rows.length);
        rows.forEach((r) => userids.add(r.userid));
      }
      expect(userids.size).toBe(emu.directory.memberCount);
      expect(pages.length).toBeGreaterThan(2);
    });

    it('exchanges a login code and a user_ticket for the phone', async () => {
      const m = [...emu.directory.allMembers()].find((x) => x.status === 1)!;
      const url = new URL('/connect/oauth2/authorize', emu.baseUrl);
      const q = {
        appid: emu.corpId,
        redirect_uri: 'http://localhost/cb',
        response_type: 'code',
        scope: 'snsapi_privateinfo',
        state: 's',
        agentid: String(emu.agentId),
        as: m.userid,
      };
      for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
      const code = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
      const c = client();
      const info = await c.getUserInfoByCode(code);
      expect(info).toEqual({ userid: m.userid, userTicket: expect.any(String), openid: null });
      expect((await c.getUserDetail(info.userTicket!)).mobile).toBe(m.mobile);
      const reused = await failure(c.getUserInfoByCode(code));
      expect(reused.code).toBe('WECOM_CODE_INVALID');
      expect(reused.message).toMatch(/already used or has expired/);
    });
  });

  describe('access tokens', () => {
    it('are shared by replicas through the database: one gettoken for a fleet', async () => {
      const replicas = [client(), client(), client()];
      await Promise.all(replicas.flatMap((c) => Array.from({ length: 10 }, () => c.listDepartmentIds())));
      expect(emu.calls('gettoken')).toBe(1);
      expect(emu.calls('department/simplelist', 0)).toBe(30);
    });

    it('are refreshed once after WeCom ends them early (40014), and the call retried', async () => {
      const c = client();
      await c.listDepartmentIds();
      emu.tokens.invalidateAll();
      await Promise.all(Array.from({ length: 5 }, () => c.listDepartmentIds()));
      expect(emu.calls('gettoken')).toBe(2);
      expect(emu.calls('department/simplelist', 40014)).toBe(5);
      expect(emu.calls('department/simplelist', 0)).toBe(6);
    });

    it('are replaced before they expire', async () => {
      emu.policy.tokenTtlSeconds = 1;
      const c = client();
      await c.listDepartmentIds();
      await new Promise((r) => setTimeout(r, 1100));
      await c.listDepartmentIds();
      expect(emu.calls('gettoken')).toBe(2);
      expect(emu.calls('department/simplelist', 42001)).toBe(0);
    });

    it('are kept per secret', async () => {
      const f = replica();
      await f.forCredentials(emu.corpId, emu.secret).listDepartmentIds();
      await f.forCredentials(emu.corpId, emu.contactSecret!).listDepartmentIds();
      expect(emu.calls('gettoken')).toBe(2);
    });
  });

  describe('errors', () => {
    it('does not retry a wrong secret (40001) and says what to do', async () => {
      const e = await failure(replica().forCredentials(emu.corpId, 'not-the-secret').listDepartmentIds());
      expect(e.code).toBe('WECOM_INVALID_SECRET');
      expect(e.message).toMatch(/wrong, was reset/);
      expect(e.message).not.toContain('not-the-secret');
      expect(emu.calls('gettoken')).toBe(1);
    });

    it('names the caller IP on 60020', async () => {
      emu.policy.trustedIps = ['192.0.2.1'];
      const e = await failure(client().listDepartmentIds());
      expect(e.code).toBe('WECOM_IP_NOT_TRUSTED');
      expect(e.message).toContain('127.0.0.1');
      expect(e.message).toContain('企业可信IP');
    });

    it('points at the id APIs on 48009', async () => {
      emu.policy.contactSyncFromNewIp = true;
      const c = replica().forCredentials(emu.corpId, emu.contactSecret!);
      const e = await failure(c.getUser([...emu.directory.allMembers()][0].userid));
      expect(e.code).toBe('WECOM_DETAIL_API_FORBIDDEN_FOR_NEW_IP');
      expect(e.message).toMatch(/user\/list_id/);
      expect(await c.listDepartmentIds()).toHaveLength(emu.directory.departmentCount);
    });

    it('names the redirect domain on 50001', async () => {
      const url = new URL('/wwlogin/sso/login', emu.baseUrl);
      const q = {
        login_type: 'CorpApp',
        appid: emu.corpId,
        agentid: String(emu.agentId),
        redirect_uri: 'http://old.example.com/cb',
        state: 's',
        as: [...emu.directory.allMembers()].find((m) => m.status === 1)!.userid,
      };
      for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
      const code = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
      emu.app.trustedDomain = 'new.example.com';
      const e = await failure(client().getUserInfoByCode(code, { redirectDomain: 'new.example.com' }));
      expect(e.code).toBe('WECOM_REDIRECT_DOMAIN_UNTRUSTED');
      expect(e.message).toContain('new.example.com');
    });

    it('names a missing member', async () => {
      const e = await failure(client().getUser('nobody'));
      expect(e.code).toBe('WECOM_USER_NOT_FOUND');
      expect(e.message).toContain('nobody');
    });

    it('rejects an answer of the wrong shape', async () => {
      const odd = createServer((req, res) => {
        res.setHeader('Content-Type', 'application/json');
        if (req.url!.startsWith('/cgi-bin/gettoken')) return res.end('{"errcode":0,"errmsg":"ok","access_token":"tok","expires_in":7200}');
        res.end('{"errcode":0,"errmsg":"ok","department_id":[{"id":"one","parentid":0}]}');
      });
      await new Promise<void>((r) => odd.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
        const e = await failure(replica({ apiBaseUrl: url }).forCredentials('wwodd', 'secret-odd').listDepartmentIds());
        expect(e.code).toBe('WECOM_BAD_RESPONSE');
        expect(e.message).toContain('department_id.0.id');
      } finally {
        await new Promise<void>((r) => odd.close(() => r()));
      }
    });
  });

  describe('resilience', () => {
    it.each([
      ['system busy (-1)', { kind: 'busy' as const }],
      ['HTTP 502', { kind: 'http_error' as const, status: 502 }],
      ['malformed JSON', { kind: 'malformed_json' as const }],
      ['a dropped connection', { kind: 'reset' as const }],
      ['a timeout', { kind: 'timeout' as const, latencyMs: 1000 }],
    ])('retries %s and succeeds', async (_what, fault) => {
      const c = client({ timeoutMs: 300 });
      await c.listDepartmentIds();
      emu.resetStats();
      emu.faults.add({ api: 'department/simplelist', times: 2, ...fault });
      expect((await c.listDepartmentIds())[0].id).toBe(1);
      expect(emu.calls('department/simplelist')).toBe(3);
    });

    it('gives up after the configured retries with a clear error', async () => {
      emu.faults.add({ api: 'department/simplelist', kind: 'busy', times: 0 });
      const e = await failure(client({ maxRetries: 2 }).listDepartmentIds());
      expect(e.code).toBe('WECOM_BUSY');
      expect(emu.calls('department/simplelist', -1)).toBe(3);
    });

    it('times out a silent WeCom without leaking the token', async () => {
      emu.faults.add({ api: 'department/simplelist', kind: 'timeout', latencyMs: 2000, times: 0 });
      const c = client({ timeoutMs: 100, maxRetries: 0 });
      const token = await c.accessToken();
      const e = await failure(c.listDepartmentIds());
      expect(e.code).toBe('WECOM_UNAVAILABLE');
      expect(e.message).toContain('no answer within 100 ms');
      expect(e.message).not.toContain(token);
    });

    it('pauses an API for the rest of the window after 45009, then carries on', async () => {
      emu.policy.rateLimitPerMinute = 5;
      emu.policy.rateWindowMs = 1000;
      const c = client({ rateLimitPauseMs: 1000 });
      const results = [];
      for (let i = 0; i < 8; i++) results.push((await c.listDepartmentIds())[0].id);
      expect(results).toEqual(Array(8).fill(1));
      expect(emu.calls('department/simplelist', 45009)).toBeGreaterThanOrEqual(1);
      expect(emu.calls('department/simplelist', 45009)).toBeLessThanOrEqual(2);
    });

    it('keeps a 20,000-call burst under a 10,000-per-window limit without a single 45009', async () => {
      // WeCom's window is a minute; the same limit over a 3 s window keeps the test short.
      emu.policy.rateLimitPerMinute = 10_000;
      emu.policy.ipRateLimitPerMinute = 20_000;
      emu.policy.rateWindowMs = 3000;
      // A generous timeout: on a loaded machine a 2 s timeout would retry calls WeCom already answered.
      const factory = replica({ rateLimit: 10_000, rateLimitWindowMs: 3000, timeoutMs: 30_000 });
      const c = factory.forCredentials(emu.corpId, emu.secret);
      const userids = [...emu.directory.allMembers()].map((m) => m.userid);
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < 20_000) {
            const i = next++;
            await c.getUser(userids[i % userids.length]);
          }
        }),
      );
      expect(emu.calls('user/get', 0)).toBe(20_000);
      expect(emu.calls('user/get', 45009)).toBe(0);
      expect(factory.metrics.total('user/get')).toBe(20_000);
    }, 120_000);
  });
});
