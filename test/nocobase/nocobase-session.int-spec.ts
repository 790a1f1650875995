import jwt from 'jsonwebtoken';
import { NocobaseSchemaIntrospector } from '../../src/nocobase/schema/nocobase-schema.introspector';
import type { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { NocobaseSessionService, TOKEN_POLICY_TTL_MS } from '../../src/nocobase/nocobase-session.service';
import { NocobaseApiClient } from '../../src/nocobase/nocobase-api.client';
import { NocobaseSessionsRepository } from '../../src/nocobase/nocobase-sessions.repository';
import { NocobaseUsersRepository } from '../../src/nocobase/nocobase-users.repository';
import { insertNocobaseUser } from '../utils/nocobase-factory';
import { fakeNocobase } from '../utils/fake-nocobase';
import { TEST_JWT_SECRET, testConfig } from '../utils/test-config';
import { createTestDatabase, NAMING_MODES, type TestDatabase } from '../utils/test-database';
import { PrivilegedRoles } from '../../src/nocobase/privileged-roles';

describe.each(NAMING_MODES)('NocoBase sessions in a %s NocoBase', (naming) => {
  let db: TestDatabase;
  let nb: NocobaseSchema;
  const service = (nocobaseUrl?: string) => {
    const config = testConfig(nocobaseUrl ? { NOCOBASE_URL: nocobaseUrl } : {});
    return new NocobaseSessionService(
      new NocobaseSessionsRepository(db.dataSource, nb),
      new NocobaseUsersRepository(db.dataSource, nb, new PrivilegedRoles()),
      new NocobaseApiClient(config),
      nb,
      config,
    );
  };

  beforeAll(async () => {
    db = await createTestDatabase({ naming });
    nb = await new NocobaseSchemaIntrospector(db.dataSource, testConfig()).introspect();
  });
  afterAll(() => db.drop());

  it("reuses NocoBase's token policy for a few seconds, then reads it again", async () => {
    const userId = await insertNocobaseUser(db, nb, { roles: ['member'] });
    const sessions = service();
    const lifetime = async () => {
      const payload = jwt.decode((await sessions.mint(userId, 'basic')).token) as jwt.JwtPayload;
      return payload.exp! - payload.iat!;
    };
    const c = nb.columns('tokenControlConfig');
    const setExpiration = (value: string) =>
      db.query(`UPDATE ${nb.table('tokenControlConfig')} SET ${c.config} = jsonb_set(${c.config}::jsonb, '{tokenExpirationTime}', to_jsonb($1::text))::json`, [
        value,
      ]);
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      expect(await lifetime()).toBe(86_400);
      await setExpiration('2h');
      clock.mockReturnValue(now + TOKEN_POLICY_TTL_MS - 100);
      expect(await lifetime()).toBe(86_400);
      clock.mockReturnValue(now + TOKEN_POLICY_TTL_MS + 100);
      expect(await lifetime()).toBe(7_200);
    } finally {
      clock.mockRestore();
      await setExpiration('1d');
    }
  });

  it('mints what NocoBase accepts: an issuedTokens row and its HS256 token with the policy lifetime', async () => {
    const userId = await insertNocobaseUser(db, nb, { roles: ['member'] });
    const minted = await service().mint(userId, 'basic');
    const payload = jwt.verify(minted.token, TEST_JWT_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(payload).toMatchObject({ userId, temp: true, jti: minted.jti, signInTime: expect.any(Number) });
    expect(payload.exp! - payload.iat!).toBe(86_400); // tokenExpirationTime 1d in the fixture
    const t = nb.columns('issuedTokens');
    const rows = await db.query(`SELECT ${t.userId} AS "userId", ${t.authenticator} AS authenticator FROM ${nb.table('issuedTokens')} WHERE ${t.jti} = $1`, [
      minted.jti,
    ]);
    expect(rows).toEqual([{ userId: String(userId), authenticator: 'basic' }]);
  });

  it('verifies a session as NocoBase would, with the user roles', async () => {
    const userId = await insertNocobaseUser(db, nb, { roles: ['admin', 'member'] });
    const { token } = await service().mint(userId, 'basic');
    const verified = await service().verify(token);
    expect(verified.userId).toBe(userId);
    expect(verified.roles.sort()).toEqual(['admin', 'member']);
  });

  it.each([
    [
      'another secret',
      async (userId: number) => jwt.sign({ userId, temp: true, signInTime: Date.now() }, 'not-the-secret', { jwtid: crypto.randomUUID(), expiresIn: 60 }),
      /signed with NOCOBASE_JWT_SECRET/,
    ],
    [
      'an expired token',
      async (userId: number) =>
        jwt.sign({ userId, temp: true, signInTime: Date.now(), iat: Math.floor(Date.now() / 1000) - 100 }, TEST_JWT_SECRET, {
          jwtid: crypto.randomUUID(),
          expiresIn: 10,
        }),
      /expired/,
    ],
    [
      'a jti NocoBase never issued',
      async (userId: number) => jwt.sign({ userId, temp: true, signInTime: Date.now() }, TEST_JWT_SECRET, { jwtid: crypto.randomUUID(), expiresIn: 60 }),
      /unknown to NocoBase/,
    ],
    [
      'an API key token',
      async (userId: number) => jwt.sign({ userId, roleName: 'admin' }, TEST_JWT_SECRET, { jwtid: crypto.randomUUID(), expiresIn: 60 }),
      /not a NocoBase session/,
    ],
  ])('rejects %s', async (_what, make, message) => {
    const userId = await insertNocobaseUser(db, nb);
    await expect(service().verify(await make(userId))).rejects.toMatchObject({ code: 'NOCOBASE_SESSION_INVALID', message: expect.stringMatching(message) });
  });

  it('rejects a session whose jti is blacklisted', async () => {
    const userId = await insertNocobaseUser(db, nb, { roles: ['member'] });
    const { token, jti } = await service().mint(userId, 'basic');
    await expect(service().verify(token)).resolves.toMatchObject({ userId });
    const b = nb.columns('tokenBlacklist');
    await db.query(
      `INSERT INTO ${nb.table('tokenBlacklist')} (${b.token}, ${b.expiration}, ${b.createdAt}, ${b.updatedAt}) VALUES ($1, now() + interval '1 day', now(), now())`,
      [jti],
    );
    await expect(service().verify(token)).rejects.toMatchObject({ code: 'NOCOBASE_SESSION_INVALID', message: expect.stringMatching(/signed out/) });
  });

  it('ends every session of a user at once through auth:signOut with twin tokens', async () => {
    const nocobase = await fakeNocobase(db, nb);
    try {
      const userId = await insertNocobaseUser(db, nb);
      const other = await insertNocobaseUser(db, nb);
      const sessions = [await service().mint(userId, 'basic'), await service().mint(userId, 'wecom')];
      const kept = await service().mint(other, 'basic');
      expect(await service(nocobase.url).revokeAll(userId)).toEqual({ revoked: 2, failed: 0 });
      expect(nocobase.seen.map((s) => s.jti).sort()).toEqual(sessions.map((s) => s.jti).sort());
      // Each twin is signed out under the authenticator its session was issued for.
      expect(nocobase.seen.map((s) => `${s.jti}:${s.authenticator}`).sort()).toEqual([`${sessions[0].jti}:basic`, `${sessions[1].jti}:wecom`].sort());
      expect(nocobase.seen.every((s) => s.userId === userId)).toBe(true);
      for (const twin of nocobase.seen) expect(twin.exp - twin.iat).toBeLessThanOrEqual(60);
      for (const s of sessions) await expect(service().verify(s.token)).rejects.toMatchObject({ message: expect.stringMatching(/signed out/) });
      expect((await service().verify(kept.token)).userId).toBe(other);
      // Sessions already signed out are not sent again (NocoBase would refuse them as BLOCKED_TOKEN).
      expect(await service(nocobase.url).revokeAll(userId)).toEqual({ revoked: 0, failed: 0 });
    } finally {
      await nocobase.close();
    }
  });

  it('counts sessions NocoBase would not sign out as failed', async () => {
    const nocobase = await fakeNocobase(db, nb, 500);
    try {
      const userId = await insertNocobaseUser(db, nb);
      await service().mint(userId, 'basic');
      expect(await service(nocobase.url).revokeAll(userId)).toEqual({ revoked: 0, failed: 1 });
    } finally {
      await nocobase.close();
    }
    const unreachable = await insertNocobaseUser(db, nb);
    await service().mint(unreachable, 'basic');
    expect(await service('http://127.0.0.1:9').revokeAll(unreachable)).toEqual({ revoked: 0, failed: 1 });
  });

  it('mints the pre-1.6 7-day { userId, temp } token when NocoBase has no issuedTokens', async () => {
    const old = await createTestDatabase({ naming });
    try {
      const probe = await new NocobaseSchemaIntrospector(old.dataSource, testConfig()).introspect();
      await old.query(`DROP TABLE ${probe.table('issuedTokens')}`);
      const legacyNb = await new NocobaseSchemaIntrospector(old.dataSource, testConfig()).introspect();
      const legacy = new NocobaseSessionService(
        new NocobaseSessionsRepository(old.dataSource, legacyNb),
        new NocobaseUsersRepository(old.dataSource, legacyNb, new PrivilegedRoles()),
        new NocobaseApiClient(testConfig()),
        legacyNb,
        testConfig(),
      );
      const userId = await insertNocobaseUser(old, legacyNb, { roles: ['member'] });
      const { token } = await legacy.mint(userId, 'basic');
      const payload = jwt.verify(token, TEST_JWT_SECRET) as jwt.JwtPayload;
      expect(payload).toMatchObject({ userId, temp: true });
      expect(payload.jti).toBeUndefined();
      expect(payload.exp! - payload.iat!).toBe(7 * 86_400);
      expect((await legacy.verify(token)).roles).toEqual(['member']);
    } finally {
      await old.drop();
    }
  });

  it('says NOCOBASE_URL is needed to end sessions', async () => {
    await expect(service().revokeAll(1)).rejects.toMatchObject({ code: 'NOCOBASE_API_UNAVAILABLE', message: expect.stringContaining('NOCOBASE_URL') });
  });
});
