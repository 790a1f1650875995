import jwt from 'jsonwebtoken';
import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { SyncService } from '../../src/sync/sync.service';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import { countNocobaseUsers, insertNocobaseUser } from '../utils/nocobase-factory';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../utils/test-config';
import { createTestDatabase, NAMING_MODES, type TestDatabase } from '../utils/test-database';
import { parseHandoff, WecomLoginDriver } from '../utils/wecom-login-driver';

const ROOT_PHONE = '13900000001';

/**
 * Issue #14, finding 1: whoever can edit a member's mobile in WeCom (a directory admin) set it to
 * root's number, logged in inside the WeCom client and got a root session. Privileged NocoBase
 * users (root, admin, and the roles in WECOM_PROTECTED_ROLES) are never bound by phone, never
 * touched by the sync's contact fields, and bound only by an administrator.
 */
describe.each(NAMING_MODES)('protected NocoBase accounts (%s)', (naming) => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let nb: NocobaseSchema;
  let driver: WecomLoginDriver;
  let finance: number;
  let staff: number;
  const http = () => request(bridge.app.getHttpServer());
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const userIdOf = (res: request.Response) => (jwt.verify(parseHandoff(res.headers.location).token!, TEST_JWT_SECRET) as jwt.JwtPayload).userId;
  const bindingsOf = (userid: string) =>
    db.query<{ nocobase_user_id: string; source: string }>(`SELECT nocobase_user_id, source FROM wecom_bridge.bindings WHERE wecom_userid = $1`, [userid]);
  const users = () => nb.columns('users');
  async function userRow(id: number) {
    const [row] = await db.query<{ nickname: string; email: string; phone: string }>(
      `SELECT ${users().nickname} AS nickname, ${users().email} AS email, ${users().phone} AS phone FROM ${nb.table('users')} WHERE ${users().id} = $1`,
      [id],
    );
    return row;
  }

  beforeAll(async () => {
    db = await createTestDatabase({ naming });
    emu = await startEmulator({
      port: 0,
      corpId: 'wwprotected',
      // An app from before 2022-06-20: the sync reads names, mobiles and emails.
      app: { createdAfter20220620: false },
      directory: {
        corpName: '公司',
        departments: [{ id: 1, name: '公司', parentid: 0 }],
        members: [
          // A directory admin gave their own account root's mobile.
          { userid: 'mallory', name: 'Mallory', department: [1], mobile: `+86 ${ROOT_PHONE}`, email: 'mallory@corp.cn' },
          { userid: 'boss', name: '老板', department: [1], mobile: '13900000002', email: 'boss@corp.cn' },
          { userid: 'cfo', name: 'CFO', department: [1], mobile: '13900000003' },
          { userid: 'clerk', name: 'Clerk', department: [1], mobile: '13900000004' },
        ],
      },
    });
    bridge = await createTestApp(db, {
      BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY,
      ...emulatorEnv(emu),
      WECOM_PROTECTED_ROLES: 'finance',
      WECOM_PROVISION_ON_SYNC: 'true',
      WECOM_AUTO_SIGN_UP: 'true',
    });
    nb = bridge.app.get(NocobaseSchema);
    driver = new WecomLoginDriver(bridge.app);
    await db.query(`UPDATE ${nb.table('users')} SET ${users().phone} = $1 WHERE ${users().id} = 1`, [ROOT_PHONE]);
    finance = await insertNocobaseUser(db, nb, { nickname: 'Finance', phone: '13900000003', roles: ['member', 'finance'] });
    staff = await insertNocobaseUser(db, nb, { nickname: 'Staff', phone: '13900000004' });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await db?.drop();
  });

  it("cannot reach root through root's phone number, inside the WeCom client or out", async () => {
    const before = await countNocobaseUsers(db, nb);
    const inClient = await driver.login('mallory', { inClient: true });
    expect(inClient.status).toBe(403);
    expect(inClient.headers['content-type']).toMatch(/html/);
    expect(inClient.text).toContain('ask an administrator');
    expect(inClient.text).not.toContain('token=');
    const qr = await driver.login('mallory', { inClient: false });
    expect(parseHandoff(qr.headers.location).token).toBeNull();
    expect(await bindingsOf('mallory')).toEqual([]);
    // Auto sign-up is on, and still nobody new is made for root's number.
    expect(await countNocobaseUsers(db, nb)).toBe(before);
    const [audit] = await db.query<{ outcome: string; code: string }>(
      `SELECT outcome, code FROM wecom_bridge.login_audit WHERE wecom_userid = 'mallory' AND in_client ORDER BY id DESC LIMIT 1`,
    );
    expect(audit).toEqual({ outcome: 'refused', code: 'PROTECTED_ACCOUNT' });
  });

  it('treats the roles in WECOM_PROTECTED_ROLES the same way', async () => {
    const res = await driver.login('cfo', { inClient: true });
    expect(res.status).toBe(403);
    expect(await bindingsOf('cfo')).toEqual([]);
  });

  it('still binds an ordinary user by phone', async () => {
    expect(userIdOf(await driver.login('clerk', { inClient: true }))).toBe(staff);
  });

  it('refuses a phone-made binding once its user is promoted, until an administrator confirms it', async () => {
    const r = nb.columns('rolesUsers');
    await db.query(`INSERT INTO ${nb.table('rolesUsers')} (${r.roleName}, ${r.userId}, ${r.createdAt}, ${r.updatedAt}) VALUES ('admin', $1, now(), now())`, [
      staff,
    ]);
    expect((await driver.login('clerk', { inClient: false })).headers.location).toMatch(/error=/);

    const confirmed = await http().post('/api/admin/bindings').set(admin).send({ authenticator: 'wecom', wecomUserid: 'clerk', userId: staff }).expect(200);
    expect(confirmed.body.data).toMatchObject({ wecomUserid: 'clerk', userId: staff, source: 'admin' });
    expect(userIdOf(await driver.login('clerk', { inClient: false }))).toBe(staff);
  });

  it('lets an administrator bind root explicitly, audited, after which that member signs in as root', async () => {
    const created = await http().post('/api/admin/bindings').set(admin).send({ authenticator: 'wecom', wecomUserid: 'boss', userId: 1 }).expect(201);
    expect(created.body.data).toMatchObject({ authenticator: 'wecom', wecomUserid: 'boss', userId: 1, source: 'admin', phone: null });
    const audit = await db.query<{ actor: string; action: string; detail: Record<string, unknown> }>(
      `SELECT actor, action, detail FROM wecom_bridge.admin_audit WHERE action = 'binding.create'`,
    );
    expect(audit).toEqual([{ actor: 'api-key', action: 'binding.create', detail: expect.objectContaining({ wecomUserid: 'boss', userId: 1 }) }]);

    expect(userIdOf(await driver.login('boss', { inClient: false }))).toBe(1);
    // In-client, WeCom shares boss's own phone: the binding stands, root's phone is not rewritten.
    expect(userIdOf(await driver.login('boss', { inClient: true }))).toBe(1);
    expect((await userRow(1)).phone).toBe(ROOT_PHONE);
  });

  it('refuses an administrator binding that would take over another binding', async () => {
    const taken = await http().post('/api/admin/bindings').set(admin).send({ authenticator: 'wecom', wecomUserid: 'boss', userId: finance }).expect(409);
    expect(taken.body.errors[0].code).toBe('BINDING_EXISTS');
    const userTaken = await http().post('/api/admin/bindings').set(admin).send({ authenticator: 'wecom', wecomUserid: 'cfo', userId: 1 }).expect(409);
    expect(userTaken.body.errors[0].code).toBe('BINDING_EXISTS');
    await http().post('/api/admin/bindings').set(admin).send({ authenticator: 'wecom', wecomUserid: 'cfo', userId: 999999 }).expect(404);
    await http().post('/api/admin/bindings').set(admin).send({ authenticator: 'nope', wecomUserid: 'cfo', userId: finance }).expect(404);
    await http().post('/api/admin/bindings').set(admin).send({ authenticator: 'wecom', wecomUserid: 'bad id!', userId: finance }).expect(400);
    await http().post('/api/admin/bindings').send({ authenticator: 'wecom', wecomUserid: 'cfo', userId: finance }).expect(401);
  });

  it("never writes WeCom's name, email or phone over a protected user, and provisions nobody with root's number", async () => {
    const before = await userRow(1);
    const res = await http().post('/api/admin/sync-runs').set(admin).send({ authenticator: 'wecom' }).expect(202);
    const run = await bridge.app.get(SyncService).waitFor(res.body.data.id, 50);
    expect(run.status).toBe('succeeded');
    // boss is bound to root: 老板 / boss@corp.cn / 13900000002 stay out of root's row.
    expect(await userRow(1)).toEqual(before);
    // mallory has root's number: skipped, neither provisioned nor bound.
    expect(await bindingsOf('mallory')).toEqual([]);
    const items = (await http().get(`/api/admin/sync-runs/${run.id}?pageSize=100`).set(admin).expect(200)).body.data.items;
    expect(items.find((i: { key: string }) => i.key === 'mallory')).toMatchObject({ action: 'skip' });
    expect(items.find((i: { key: string }) => i.key === 'boss').changes.conflicts).toEqual([expect.stringContaining('protected NocoBase user')]);
  });
});
