import { AuthenticatorsRepository } from '../../src/auth/authenticators/authenticators.repository';
import type { Authenticator } from '../../src/auth/authenticators/authenticator';
import { AdvisoryLockService } from '../../src/database/advisory-lock.service';
import { TransactionRunner } from '../../src/database/transaction-runner';
import { LoginPolicyService, type WecomMemberReader } from '../../src/auth/login/login-policy.service';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { NocobaseSchemaIntrospector } from '../../src/nocobase/schema/nocobase-schema.introspector';
import type { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { BindingsRepository } from '../../src/users/bindings.repository';
import { NocobaseUsersRepository } from '../../src/nocobase/nocobase-users.repository';
import { countNocobaseUsers, insertNocobaseUser, rolesOf } from '../utils/nocobase-factory';
import { TEST_BRIDGE_SECRET_KEY, testConfig } from '../utils/test-config';
import { createTestDatabase, NAMING_MODES, type TestDatabase } from '../utils/test-database';
import { PrivilegedRoles } from '../../src/nocobase/privileged-roles';

/** A WeCom that knows each member's mobile (as WeCom spells it) and name. */
function reader(members: Record<string, { mobile?: string; name?: string; email?: string }>, calls: string[] = []): WecomMemberReader {
  return {
    userDetail: async (ticket) => {
      calls.push(`detail:${ticket}`);
      const m = members[ticket];
      return { mobile: m?.mobile ?? null, email: m?.email ?? null };
    },
    memberName: async (userid) => {
      calls.push(`name:${userid}`);
      return members[userid]?.name ?? null;
    },
  };
}
// In these specs the user_ticket is simply the userid, so the fake can find the member.
const inClient = (userid: string) => ({ userid, userTicket: userid, inClient: true });
const qr = (userid: string) => ({ userid, userTicket: null, inClient: false });

describe.each(NAMING_MODES)('login policy on a %s NocoBase', (naming) => {
  let db: TestDatabase;
  let nb: NocobaseSchema;
  let policy: LoginPolicyService;
  let bindings: BindingsRepository;
  let authenticators: AuthenticatorsRepository;
  let a: Authenticator;
  let counter = 0;

  beforeAll(async () => {
    db = await createTestDatabase({ naming });
    const config = testConfig({ DATABASE_URL: db.url });
    nb = await new NocobaseSchemaIntrospector(db.dataSource, config).introspect();
    bindings = new BindingsRepository(db.dataSource, config);
    authenticators = new AuthenticatorsRepository(db.dataSource, new SecretBox(TEST_BRIDGE_SECRET_KEY), config);
    policy = new LoginPolicyService(
      new TransactionRunner(db.dataSource),
      new AdvisoryLockService(db.dataSource),
      bindings,
      new NocobaseUsersRepository(db.dataSource, nb, new PrivilegedRoles()),
      config,
    );
  });
  afterAll(() => db.drop());

  beforeEach(async () => {
    counter += 1;
    a = await authenticators.insert({
      name: `wecom-${counter}`,
      title: 'WeCom',
      corpId: 'wwtest',
      agentId: '1000002',
      secret: 'app-secret-1',
      origin: 'https://nb.example.com',
      autoSignUp: false,
    });
  });

  it('binds the NocoBase user whose phone matches, whatever the spelling on either side', async () => {
    const alice = await insertNocobaseUser(db, nb, { phone: '+86 138 0000 1001' });
    const outcome = await policy.resolve(a, inClient('zhangsan'), reader({ zhangsan: { mobile: '138-0000-1001' } }));
    expect(outcome).toMatchObject({ decision: 'FIRST_BINDING', user: { id: alice } });
    const stored = await bindings.findByUserid(a.id, 'zhangsan');
    expect(stored).toMatchObject({ nocobaseUserId: alice, phone: '+8613800001001', source: 'login' });
    expect(stored!.firstInClientAuthAt).toBeInstanceOf(Date);
  });

  it('lets a QR login (userid only) through once the member is bound, without asking WeCom anything', async () => {
    const bob = await insertNocobaseUser(db, nb, { phone: '13800001002' });
    await policy.resolve(a, inClient('lisi'), reader({ lisi: { mobile: '+8613800001002' } }));
    const calls: string[] = [];
    const outcome = await policy.resolve(a, qr('lisi'), reader({}, calls));
    expect(outcome).toMatchObject({ decision: 'BOUND', user: { id: bob } });
    expect(calls).toEqual([]);
  });

  it('refuses a QR login before the first in-client authorization, creating nothing', async () => {
    await insertNocobaseUser(db, nb, { phone: '13800001003' });
    const before = await countNocobaseUsers(db, nb);
    await expect(policy.resolve({ ...a, autoSignUp: true }, qr('wangwu'), reader({}))).rejects.toMatchObject({
      code: 'FIRST_LOGIN_IN_CLIENT',
      message: 'complete your first login inside the WeCom client: open the app from the WeCom workbench',
    });
    expect(await countNocobaseUsers(db, nb)).toBe(before);
    expect(await bindings.findByUserid(a.id, 'wangwu')).toBeNull();
  });

  it('refuses an in-client login whose consent gave no ticket or no mobile', async () => {
    await expect(policy.resolve(a, { userid: 'm1', userTicket: null, inClient: true }, reader({}))).rejects.toMatchObject({ code: 'PHONE_NOT_SHARED' });
    await expect(policy.resolve(a, inClient('m1'), reader({ m1: {} }))).rejects.toMatchObject({ code: 'PHONE_NOT_SHARED' });
  });

  it('refuses an outsider (openid, no userid)', async () => {
    await expect(policy.resolve(a, { userid: null, userTicket: null, inClient: true }, reader({}))).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
  });

  it('refuses an unknown phone when auto sign-up is off', async () => {
    const before = await countNocobaseUsers(db, nb);
    await expect(policy.resolve(a, inClient('nobody'), reader({ nobody: { mobile: '13900001004' } }))).rejects.toMatchObject({
      code: 'NO_ACCOUNT',
      message: 'no NocoBase account has this phone number; ask an administrator',
    });
    expect(await countNocobaseUsers(db, nb)).toBe(before);
  });

  it('signs up an unknown phone when auto sign-up is on: name, stored phone, default role, binding', async () => {
    const outcome = await policy.resolve(
      { ...a, autoSignUp: true },
      inClient('newbie'),
      reader({ newbie: { mobile: '+86 139 0000 1005', name: '孙悟空', email: 'swk@example.com' } }),
    );
    expect(outcome.decision).toBe('SIGNED_UP');
    expect(outcome.user).toMatchObject({ nickname: '孙悟空', phone: '13900001005', email: 'swk@example.com', username: null });
    expect(await rolesOf(db, nb, outcome.user.id)).toEqual(['member']);
    const u = nb.columns('users');
    const [row] = await db.query<{ sort: string; created: Date }>(
      `SELECT ${u.sort} AS sort, ${u.createdAt} AS created FROM ${nb.table('users')} WHERE ${u.id} = $1`,
      [outcome.user.id],
    );
    expect(Number(row.sort)).toBeGreaterThan(0);
    expect(row.created).toBeInstanceOf(Date);
    expect(await bindings.findByUserid(a.id, 'newbie')).toMatchObject({ nocobaseUserId: outcome.user.id });
  });

  it('does not reuse an email another user has, and falls back to the userid for the nickname', async () => {
    await insertNocobaseUser(db, nb, { email: 'Taken@Example.com' });
    const outcome = await policy.resolve(
      { ...a, autoSignUp: true },
      inClient('noname'),
      reader({ noname: { mobile: '13900001006', email: 'taken@example.com' } }),
    );
    expect(outcome.user).toMatchObject({ nickname: 'noname', email: null });
  });

  it("updates the binding when the member's phone changed, and refuses a phone another binding holds", async () => {
    const u1 = await insertNocobaseUser(db, nb, { phone: '13800001007' });
    const u2 = await insertNocobaseUser(db, nb, { phone: '13800001008' });
    await policy.resolve(a, inClient('p1'), reader({ p1: { mobile: '13800001007' } }));
    await policy.resolve(a, inClient('p2'), reader({ p2: { mobile: '13800001008' } }));

    await policy.resolve(a, inClient('p1'), reader({ p1: { mobile: '13800001077' } }));
    expect((await bindings.findByUserid(a.id, 'p1'))!.phone).toBe('+8613800001077');

    await expect(policy.resolve(a, inClient('p1'), reader({ p1: { mobile: '13800001008' } }))).rejects.toMatchObject({ code: 'PHONE_CONFLICT' });
    expect(await bindings.findByUserid(a.id, 'p1')).toMatchObject({ nocobaseUserId: u1, phone: '+8613800001077' });
    expect(await bindings.findByUserid(a.id, 'p2')).toMatchObject({ nocobaseUserId: u2, phone: '+8613800001008' });
  });

  it('never moves a user who is already bound to another member', async () => {
    await insertNocobaseUser(db, nb, { phone: '13800001009' });
    await policy.resolve(a, inClient('first'), reader({ first: { mobile: '13800001009' } }));
    await expect(policy.resolve(a, inClient('second'), reader({ second: { mobile: '13800001009' } }))).rejects.toMatchObject({
      code: 'PHONE_CONFLICT',
      message: expect.stringContaining('already bound to WeCom member first'),
    });
  });

  it('refuses when two NocoBase users share the number in different spellings', async () => {
    const one = await insertNocobaseUser(db, nb, { phone: '13800001010' });
    const two = await insertNocobaseUser(db, nb, { phone: '+86 138-0000-1010' });
    await expect(policy.resolve(a, inClient('dup'), reader({ dup: { mobile: '13800001010' } }))).rejects.toMatchObject({
      code: 'PHONE_CONFLICT',
      message: expect.stringContaining(`ids ${one}, ${two}`),
    });
  });

  it('drops a binding whose NocoBase user was deleted and binds again', async () => {
    const gone = await insertNocobaseUser(db, nb, { phone: '13800001011' });
    await policy.resolve(a, inClient('stale'), reader({ stale: { mobile: '13800001011' } }));
    await db.query(`DELETE FROM ${nb.table('users')} WHERE ${nb.column('users', 'id')} = $1`, [gone]);
    const fresh = await insertNocobaseUser(db, nb, { phone: '13800001011' });
    const outcome = await policy.resolve(a, inClient('stale'), reader({ stale: { mobile: '13800001011' } }));
    expect(outcome).toMatchObject({ decision: 'FIRST_BINDING', user: { id: fresh } });
  });

  it('refuses a suspended binding', async () => {
    await insertNocobaseUser(db, nb, { phone: '13800001012' });
    await policy.resolve(a, inClient('left'), reader({ left: { mobile: '13800001012' } }));
    await db.query(`UPDATE wecom_bridge.bindings SET suspended_at = now() WHERE wecom_userid = 'left'`);
    await expect(policy.resolve(a, qr('left'), reader({}))).rejects.toMatchObject({ code: 'BINDING_SUSPENDED' });
  });

  it('makes exactly one user and one binding from 50 simultaneous first logins', async () => {
    const auto = { ...a, autoSignUp: true };
    const before = await countNocobaseUsers(db, nb);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => policy.resolve(auto, inClient('rush'), reader({ rush: { mobile: '13900001013', name: 'Rush' } }))),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const ids = new Set(results.map((r) => (r as PromiseFulfilledResult<{ user: { id: number } }>).value.user.id));
    expect(ids.size).toBe(1);
    expect(await countNocobaseUsers(db, nb)).toBe(before + 1);
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM wecom_bridge.bindings WHERE wecom_userid = 'rush'`);
    expect(Number(n)).toBe(1);
  });
});
