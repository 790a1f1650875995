import request from 'supertest';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import type { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { NocobaseSchemaIntrospector } from '../../src/nocobase/schema/nocobase-schema.introspector';
import { NocobaseSessionService } from '../../src/nocobase/nocobase-session.service';
import { ContactEventsService } from '../../src/sync/events/contact-events.service';
import { SyncPlanningService } from '../../src/sync/plan/sync-planning.service';
import { SyncScheduler } from '../../src/sync/runs/sync-scheduler.service';
import { SyncService } from '../../src/sync/sync.service';
import { insertNocobaseUser, rolesOf } from '../utils/nocobase-factory';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { fakeNocobase } from '../utils/fake-nocobase';
import { testConfig } from '../utils/test-config';
import { createTestDatabase, NAMING_MODES, TEST_BRIDGE_SCHEMA, type TestDatabase } from '../utils/test-database';
import { emulatorEnv } from '../utils/emulator-env';

const ADMIN_KEY = 'admin-key-0123456789abcdefghij';
const CALLBACK = { token: 'CallbackToken42', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };

/** 1 公司 → 2 研发部 → 3 后端组, 1 → 4 销售部; twelve members, one leading 研发部. */
const DIRECTORY = {
  corpName: '同步公司',
  departments: [
    { id: 1, name: '同步公司', parentid: 0 },
    { id: 2, name: '研发部', parentid: 1 },
    { id: 3, name: '后端组', parentid: 2 },
    { id: 4, name: '销售部', parentid: 1 },
  ],
  members: [
    { userid: 'lead', name: '组长', department: [2, 3], is_leader_in_dept: [1, 0], main_department: 2, mobile: '13700000001', email: 'lead@corp.cn' },
    { userid: 'dev1', name: '开发一', department: [3], main_department: 3, mobile: '13700000002' },
    { userid: 'dev2', name: '开发二', department: [3], main_department: 3, mobile: '13700000003' },
    { userid: 'dev3', name: '开发三', department: [3], main_department: 3, mobile: '13700000004' },
    { userid: 'sales1', name: '销售一', department: [4], main_department: 4, mobile: '13700000005' },
    { userid: 'sales2', name: '销售二', department: [4], main_department: 4, mobile: '13700000006' },
    { userid: 'sales3', name: '销售三', department: [4], main_department: 4, mobile: '13700000007' },
    { userid: 'ceo', name: '老板', department: [1], main_department: 1, mobile: '13700000008' },
    { userid: 'hr', name: '人事', department: [1], main_department: 1, mobile: '13700000009' },
    { userid: 'ops', name: '运维', department: [2], main_department: 2, mobile: '13700000010' },
    // Already a NocoBase user (same phone): not provisioned twice, binds at login.
    { userid: 'known', name: '老用户', department: [2], main_department: 2, mobile: '13700000011' },
    // Email held by another NocoBase user: a conflict, never forced.
    { userid: 'clash', name: '撞邮箱', department: [4], main_department: 4, mobile: '13700000012', email: 'taken@corp.cn' },
  ],
};

describe.each(NAMING_MODES)('directory sync into a %s NocoBase', (naming) => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let nocobase: Awaited<ReturnType<typeof fakeNocobase>>;
  let nb: NocobaseSchema;
  let handMade: string;
  const http = () => request(bridge.app.getHttpServer());
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
  const sync = () => bridge.app.get(SyncService);

  /** Starts a run through the admin API and waits for it to end. */
  async function run(body: Record<string, unknown> = {}) {
    const res = await http()
      .post('/api/admin/sync-runs')
      .set(admin)
      .send({ authenticator: 'wecom', ...body })
      .expect(202);
    await sync().waitFor(res.body.data.id, 50);
    return (await http().get(`/api/admin/sync-runs/${res.body.data.id}?pageSize=200`).set(admin).expect(200)).body.data;
  }
  const u = () => nb.columns('users');
  const d = () => nb.columns('departments');
  const du = () => nb.columns('departmentsUsers');
  const bridgeTable = (t: string) => `"${TEST_BRIDGE_SCHEMA}".${t}`;
  async function userOf(userid: string) {
    const [row] = await db.query<{ id: string; nickname: string; phone: string; email: string; main: string }>(
      `SELECT usr.${u().id} AS id, usr.${u().nickname} AS nickname, usr.${u().phone} AS phone, usr.${u().email} AS email, usr.${u().mainDepartmentId}::text AS main
         FROM ${nb.table('users')} usr JOIN ${bridgeTable('bindings')} b ON b.nocobase_user_id = usr.${u().id} WHERE b.wecom_userid = $1`,
      [userid],
    );
    return row ? { ...row, id: Number(row.id) } : undefined;
  }
  async function countUsers(): Promise<number> {
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${nb.table('users')}`);
    return Number(n);
  }
  async function departmentOf(wecomId: number) {
    const [row] = await db.query<{ id: string; title: string; parent: string | null; leaf: boolean }>(
      `SELECT dep.${d().id}::text AS id, dep.${d().title} AS title, dep.${d().parentId}::text AS parent, dep.${d().isLeaf} AS leaf
         FROM ${nb.table('departments')} dep JOIN ${bridgeTable('department_map')} m ON m.nocobase_id = dep.${d().id} WHERE m.wecom_id = $1`,
      [wecomId],
    );
    return row;
  }
  async function departmentsOfUser(userId: number): Promise<Array<{ title: string; owner: boolean }>> {
    return db.query(
      `SELECT dep.${d().title} AS title, x.${du().isOwner} AS owner FROM ${nb.table('departmentsUsers')} x
         JOIN ${nb.table('departments')} dep ON dep.${d().id} = x.${du().departmentId} WHERE x.${du().userId} = $1 ORDER BY 1`,
      [userId],
    );
  }
  async function pathOf(nocobaseId: string): Promise<string> {
    const p = nb.columns('main_departments_path');
    const [row] = await db.query<{ path: string }>(`SELECT ${p.path} AS path FROM ${nb.table('main_departments_path')} WHERE ${p.nodePk} = $1`, [nocobaseId]);
    return row?.path;
  }

  beforeAll(async () => {
    db = await createTestDatabase({ naming });
    nb = await new NocobaseSchemaIntrospector(db.dataSource, testConfig()).introspect();
    emu = await startEmulator({ port: 0, corpId: 'wwsynctest', agentId: 1000002, directory: DIRECTORY });
    nocobase = await fakeNocobase(db, nb);
    bridge = await createTestApp(db, {
      BRIDGE_ADMIN_API_KEY: ADMIN_KEY,
      NOCOBASE_URL: nocobase.url,
      ...emulatorEnv(emu),
      WECOM_PROVISION_ON_SYNC: 'true',
      WECOM_CALLBACK_TOKEN: CALLBACK.token,
      WECOM_CALLBACK_AES_KEY: CALLBACK.encodingAesKey,
    });
    await bridge.app.listen(0, '127.0.0.1');
    bridge.app.get(SyncPlanningService).planSlice = 4; // every run plans across several userid ranges
    // Before the first sync: a NocoBase user with known's phone, one holding clash's email, and a hand-made department.
    await insertNocobaseUser(db, nb, { nickname: 'Known in NocoBase', phone: '+86 137 0000 0011' });
    await insertNocobaseUser(db, nb, { nickname: 'Email owner', email: 'taken@corp.cn' });
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO ${nb.table('departments')} (${d().id}, ${d().title}, ${d().isLeaf}, ${d().createdAt}, ${d().updatedAt}) VALUES (42, '手工部门', true, now(), now()) RETURNING ${d().id}::text AS id`,
    );
    handMade = row.id;
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await nocobase?.close();
    await db?.drop();
  });

  it('first sync: departments with parents and tree paths, members provisioned with role, departments and leaders', async () => {
    const usersBefore = await countUsers();
    const r = await run();
    expect(r).toMatchObject({ status: 'succeeded', trigger: 'admin', dryRun: false, error: null });
    expect(r.counts.departments.create).toBe(4);
    expect(r.counts.members).toMatchObject({ create: 10, skip: 2 });
    expect(r.rowsWritten).toBeGreaterThan(0);
    expect(r.apiCalls).toBeGreaterThan(0);

    const [company, rd, backend, sales] = await Promise.all([1, 2, 3, 4].map(departmentOf));
    expect(company).toMatchObject({ title: '同步公司', parent: null, leaf: false });
    expect(rd).toMatchObject({ title: '研发部', parent: company.id, leaf: false });
    expect(backend).toMatchObject({ title: '后端组', parent: rd.id, leaf: true });
    expect(sales).toMatchObject({ parent: company.id, leaf: true });
    // NocoBase's snowflake-shaped ids, and the tree paths NocoBase keeps only in hooks.
    expect(BigInt(backend.id)).toBeGreaterThan(2n ** 40n);
    expect(await pathOf(backend.id)).toBe(`/${company.id}/${rd.id}/${backend.id}`);

    const lead = (await userOf('lead'))!;
    expect(lead).toMatchObject({ nickname: '组长', phone: '+8613700000001', email: 'lead@corp.cn', main: rd.id });
    expect(await departmentsOfUser(lead.id)).toEqual([
      { title: '后端组', owner: false },
      { title: '研发部', owner: true },
    ]);
    expect(await rolesOf(db, nb, lead.id)).toEqual(['member']);

    expect(await userOf('known')).toBeUndefined();
    const items = r.items as Array<{ key: string; action: string; reason: string; changes: { conflicts: string[] } }>;
    expect(items.find((i) => i.key === 'known')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/has this phone/) });
    expect(items.find((i) => i.key === 'clash')).toMatchObject({ action: 'skip', changes: { conflicts: [expect.stringMatching(/taken@corp.cn/)] } });
    // lead is listed by two departments' reads, and is planned and written once.
    const memberKeys = (r.items as Array<{ kind: string; key: string }>).filter((i) => i.kind === 'member').map((i) => i.key);
    expect(new Set(memberKeys).size).toBe(memberKeys.length);
    expect(await countUsers()).toBe(usersBefore + 10);
    // NocoBase lists users by sort: the new ones come after those there before, each in a place of its own
    // (batches of 4 members are written one after another, each going on from where the last one ended).
    if (nb.hasColumn('users', 'sort')) {
      const sorts = await db.query<{ sort: string; provisioned: boolean }>(
        `SELECT usr.${u().sort}::text AS sort, b.nocobase_user_id IS NOT NULL AS provisioned FROM ${nb.table('users')} usr
           LEFT JOIN ${bridgeTable('bindings')} b ON b.nocobase_user_id = usr.${u().id}`,
      );
      const before = sorts.filter((x) => !x.provisioned).map((x) => Number(x.sort));
      const created = sorts.filter((x) => x.provisioned).map((x) => Number(x.sort));
      expect(created).toHaveLength(10);
      expect(new Set(created).size).toBe(10);
      expect(Math.min(...created)).toBeGreaterThan(Math.max(...before));
    }
  });

  it('a re-sync with no changes writes nothing', async () => {
    const r = await run();
    expect(r).toMatchObject({ status: 'succeeded', rowsWritten: 0 });
    expect(r.counts.members.create).toBe(0);
    expect(r.counts.departments.unchanged).toBe(4);
  });

  it('dry-run shows the plan and writes nothing', async () => {
    emu.directory.updateMember('dev1', { name: '开发一号' });
    const before = await userOf('dev1');
    const r = await run({ dryRun: true });
    expect(r).toMatchObject({ status: 'succeeded', dryRun: true, rowsWritten: 0 });
    expect(r.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: 'dev1',
          action: 'update',
          outcome: 'planned',
          changes: expect.objectContaining({ fields: { nickname: ['开发一', '开发一号'] } }),
        }),
      ]),
    );
    expect(await userOf('dev1')).toEqual(before);
  });

  it('renamed and moved members are updated, memberships follow', async () => {
    emu.directory.updateMember('dev2', { department: [4], main_department: 4, is_leader_in_dept: [1] });
    const r = await run();
    expect(r.status).toBe('succeeded');
    const dev1 = (await userOf('dev1'))!;
    expect(dev1.nickname).toBe('开发一号');
    // A running NocoBase caches users: a throwaway session of each changed user is signed out to drop it.
    expect(nocobase.seen.some((s) => s.userId === dev1.id)).toBe(true);
    const t = nb.columns('issuedTokens');
    expect(await db.query(`SELECT 1 FROM ${nb.table('issuedTokens')} WHERE ${t.userId} = $1`, [dev1.id])).toHaveLength(0);
    const dev2 = (await userOf('dev2'))!;
    expect(dev2.main).toBe((await departmentOf(4)).id);
    expect(await departmentsOfUser(dev2.id)).toEqual([{ title: '销售部', owner: true }]);
  });

  it('a disabled member is suspended: sessions ended through NocoBase, roles withdrawn, WeCom login refused', async () => {
    const dev3 = (await userOf('dev3'))!;
    const session = await bridge.app.get(NocobaseSessionService).mint(dev3.id, 'basic');
    emu.directory.updateMember('dev3', { status: 2 });
    const r = await run();
    expect(r.items).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'dev3', action: 'suspend', outcome: 'applied' })]));
    expect(nocobase.seen.map((s) => s.jti)).toContain(session.jti);
    await expect(bridge.app.get(NocobaseSessionService).verify(session.token)).rejects.toMatchObject({ code: 'NOCOBASE_SESSION_INVALID' });
    expect(await rolesOf(db, nb, dev3.id)).toEqual([]);
    const [binding] = await db.query<{ suspended_at: Date | null }>(`SELECT suspended_at FROM ${bridgeTable('bindings')} WHERE wecom_userid = 'dev3'`);
    expect(binding.suspended_at).not.toBeNull();
    // The user row stays: nothing is silently deleted.
    expect(await userOf('dev3')).toMatchObject({ nickname: '开发三' });
  });

  it('a member who re-joins is restored with the roles taken at suspension', async () => {
    emu.directory.updateMember('dev3', { status: 1 });
    const r = await run();
    expect(r.items).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'dev3', action: 'restore', outcome: 'applied' })]));
    expect(await rolesOf(db, nb, (await userOf('dev3'))!.id)).toEqual(['member']);
  });

  it('a member who left the directory is suspended; a partial fetch failure suspends nobody', async () => {
    emu.directory.removeMember('hr');
    emu.faults.add({ api: 'user/list', kind: 'busy', times: 0 });
    const failed = await run();
    expect(failed).toMatchObject({ status: 'partial', error: { code: 'FETCH_INCOMPLETE' } });
    expect(failed.counts.members.suspend).toBe(0);
    expect(await rolesOf(db, nb, (await userOf('hr'))!.id)).toEqual(['member']);

    emu.faults.clear();
    const r = await run();
    expect(r.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'hr', action: 'suspend', reason: expect.stringMatching(/gone from the WeCom directory/) })]),
    );
  });

  it('department moves and deletes; hand-made NocoBase departments stay untouched', async () => {
    emu.directory.updateDepartment(3, { parentid: 1 });
    emu.directory.addDepartment({ id: 5, name: '临时部', parentid: 4 });
    await run();
    const company = await departmentOf(1);
    const backend = await departmentOf(3);
    expect(backend.parent).toBe(company.id);
    expect(await pathOf(backend.id)).toBe(`/${company.id}/${backend.id}`);
    expect((await departmentOf(4)).leaf).toBe(false);

    emu.directory.removeDepartment(5);
    const r = await run();
    expect(r.counts.departments.delete).toBe(1);
    expect(await departmentOf(5)).toBeUndefined();
    expect((await departmentOf(4)).leaf).toBe(true);
    const [hand] = await db.query<{ title: string }>(`SELECT ${d().title} AS title FROM ${nb.table('departments')} WHERE ${d().id} = $1`, [handMade]);
    expect(hand.title).toBe('手工部门');
  });

  it('a membership added by hand in NocoBase survives the next sync', async () => {
    const ops = (await userOf('ops'))!;
    await db.query(
      `INSERT INTO ${nb.table('departmentsUsers')} (${du().departmentId}, ${du().userId}, ${du().isOwner}, ${du().createdAt}, ${du().updatedAt}) VALUES ($1, $2, false, now(), now())`,
      [handMade, ops.id],
    );
    await run();
    expect((await departmentsOfUser(ops.id)).map((x) => x.title)).toContain('手工部门');
  });

  it('a user the sync provisioned that lost its binding is bound again, not created a second time', async () => {
    const ops = (await userOf('ops'))!;
    const [binding] = await db.query<{ id: string }>(`SELECT id FROM ${bridgeTable('bindings')} WHERE wecom_userid = 'ops'`);
    await http().delete(`/api/admin/bindings/${binding.id}`).set(admin).expect(204);
    const usersBefore = await countUsers();
    const r = await run();
    expect(r.counts.members.rebind).toBe(1);
    expect(r.items).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'ops', action: 'rebind', outcome: 'applied' })]));
    expect(await userOf('ops')).toMatchObject({ id: ops.id, nickname: ops.nickname });
    expect(await countUsers()).toBe(usersBefore);
    expect((await run()).counts.members.rebind).toBe(0);
  });

  it('a phone or email WeCom gives that another user has is recorded as a conflict, not written', async () => {
    emu.directory.updateMember('sales1', { email: 'taken@corp.cn' });
    const r = await run();
    expect(r.counts.conflicts).toBeGreaterThanOrEqual(1);
    expect(r.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: 'sales1',
          changes: expect.objectContaining({ conflicts: [expect.stringMatching(/taken@corp.cn belongs to NocoBase user/)] }),
        }),
      ]),
    );
    expect((await userOf('sales1'))!.email).toBeNull();
  });

  it('writes members as they are read; a department that cannot be read keeps everyone, even members read as disabled', async () => {
    emu.directory.addMember({ userid: 'newbie', name: '新人', department: [4], main_department: 4, mobile: '13700000013' });
    emu.directory.updateMember('dev3', { status: 2 });
    emu.faults.add({ api: 'user/list', kind: 'errcode', errcode: 60011 }); // the first department read: the company's own (ceo)
    const r = await run();
    expect(r).toMatchObject({ status: 'partial', error: { code: 'FETCH_INCOMPLETE' } });
    expect(r.counts.members).toMatchObject({ create: 1, suspend: 0 });
    expect(await userOf('newbie')).toMatchObject({ nickname: '新人', phone: '+8613700000013' });
    expect(await rolesOf(db, nb, (await userOf('dev3'))!.id)).toEqual(['member']);
    expect(await rolesOf(db, nb, (await userOf('ceo'))!.id)).toEqual(['member']);

    // Read whole, the disabled member is offboarded after the read; back in WeCom, restored.
    const whole = await run();
    expect(whole).toMatchObject({ status: 'succeeded' });
    expect(whole.counts.members).toMatchObject({ suspend: 1, create: 0 });
    expect(await rolesOf(db, nb, (await userOf('dev3'))!.id)).toEqual([]);
    emu.directory.updateMember('dev3', { status: 1 });
    expect((await run()).counts.members).toMatchObject({ restore: 1, suspend: 0 });
  });

  it('a run that would offboard more than the threshold aborts, and force applies it', async () => {
    for (const id of ['sales2', 'sales3', 'ceo']) emu.directory.removeMember(id);
    const aborted = await run();
    expect(aborted).toMatchObject({
      status: 'aborted',
      rowsWritten: 0,
      error: { code: 'OFFBOARDING_THRESHOLD', message: expect.stringMatching(/offboard 3 of/) },
    });
    expect(await rolesOf(db, nb, (await userOf('ceo'))!.id)).toEqual(['member']);
    const forced = await run({ force: true });
    expect(forced).toMatchObject({ status: 'succeeded', force: true });
    expect(forced.counts.members.suspend).toBe(3);
    expect(await rolesOf(db, nb, (await userOf('ceo'))!.id)).toEqual([]);
  });

  it('two concurrent triggers make one run', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => http().post('/api/admin/sync-runs').set(admin).send({ authenticator: 'wecom' }).expect(202)));
    expect(a.body.data.id).toBe(b.body.data.id);
    expect([a.body.data.alreadyRunning, b.body.data.alreadyRunning].sort()).toEqual([false, true]);
    await sync().waitFor(a.body.data.id, 50);
  });

  it('a run left behind by a dead replica is marked failed and does not block the next', async () => {
    const [{ id: authenticatorId }] = await db.query<{ id: string }>(`SELECT id FROM ${bridgeTable('authenticators')} WHERE name = 'wecom'`);
    const [{ id: ghost }] = await db.query<{ id: string }>(
      `INSERT INTO ${bridgeTable('sync_runs')} (authenticator_id, trigger, status, started_at, replica) VALUES ($1, 'cli', 'running', now(), 'dead-host:1') RETURNING id`,
      [authenticatorId],
    );
    const r = await run();
    expect(r.status).toBe('succeeded');
    const lost = (await http().get(`/api/admin/sync-runs/${ghost}`).set(admin).expect(200)).body.data;
    expect(lost).toMatchObject({ status: 'failed', error: { code: 'REPLICA_LOST' } });
  });

  it('a dead run is marked failed when its lease ends, without waiting for the next trigger; a live one is left alone', async () => {
    const [{ id: authenticatorId }] = await db.query<{ id: string }>(`SELECT id FROM ${bridgeTable('authenticators')} WHERE name = 'wecom'`);
    const [{ id: dead }] = await db.query<{ id: string }>(
      `INSERT INTO ${bridgeTable('sync_runs')} (authenticator_id, trigger, status, started_at, replica, lease_expires_at, rows_written)
       VALUES ($1, 'cli', 'running', now() - interval '1 minute', 'dead-host:1', now() - interval '1 second', 1234) RETURNING id`,
      [authenticatorId],
    );
    await bridge.app.get(SyncScheduler).refresh(); // what every replica does every 30 s
    const lost = (await http().get(`/api/admin/sync-runs/${dead}`).set(admin).expect(200)).body.data;
    expect(lost).toMatchObject({
      status: 'failed',
      rowsWritten: 1234,
      error: { code: 'REPLICA_LOST', message: expect.stringContaining('1234 rows were written') },
    });

    await db.query(`UPDATE ${bridgeTable('sync_runs')} SET status = 'running', lease_expires_at = now() + interval '1 minute' WHERE id = $1`, [dead]);
    await bridge.app.get(SyncScheduler).refresh();
    expect((await http().get(`/api/admin/sync-runs/${dead}`).set(admin).expect(200)).body.data.status).toBe('running');
    await db.query(`UPDATE ${bridgeTable('sync_runs')} SET status = 'failed' WHERE id = $1`, [dead]);
  });

  it('lists runs with filters and paging', async () => {
    const res = await http().get('/api/admin/sync-runs?status=aborted&pageSize=5').set(admin).expect(200);
    expect(res.body.meta).toMatchObject({ count: 1, page: 1, pageSize: 5 });
    expect(res.body.data[0]).toMatchObject({ status: 'aborted', authenticator: 'wecom' });
    await http().get('/api/admin/sync-runs/999999').set(admin).expect(404);
    await http().post('/api/admin/sync-runs').set(admin).send({ authenticator: 'nope' }).expect(404);
    await http().post('/api/admin/sync-runs').send({ authenticator: 'wecom' }).expect(401);
  });

  it('a run aborted by the threshold keeps what it wrote while reading, and offboards nobody', async () => {
    const leaving = ['dev1', 'dev2', 'ops'].map((id) => emu.directory.member(id)!);
    for (const m of leaving) emu.directory.removeMember(m.userid);
    emu.directory.addMember({ userid: 'late', name: '后来者', department: [3], main_department: 3, mobile: '13700000014' });
    const r = await run();
    expect(r).toMatchObject({
      status: 'aborted',
      error: {
        code: 'OFFBOARDING_THRESHOLD',
        message: expect.stringMatching(/offboard 3 of .*; what the read found new or changed was written, nobody was offboarded/),
      },
    });
    expect(r.rowsWritten).toBeGreaterThan(0);
    expect(await userOf('late')).toMatchObject({ nickname: '后来者' });
    expect(await rolesOf(db, nb, (await userOf('dev1'))!.id)).toEqual(['member']);
    expect(r.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'late', action: 'create', outcome: 'applied' }),
        expect.objectContaining({ key: 'dev1', action: 'suspend', outcome: 'planned' }),
      ]),
    );
    for (const m of leaving) emu.directory.addMember(m);
    expect(await run()).toMatchObject({ status: 'succeeded', rowsWritten: 0 });
  });

  it('contact-change callbacks: URL check, then a change reaches NocoBase within seconds', async () => {
    emu.callbacks.configure({ url: `${await bridge.app.getUrl()}/api/wecom/wecom/events`, ...CALLBACK, reduced: true });
    expect(await emu.callbacks.verifyUrl()).toMatchObject({ ok: true });

    const started = Date.now();
    emu.directory.updateMember('sales1', { name: '销售一号', department: [1], main_department: 1 });
    emu.directory.addMember({ userid: 'fresh', name: '新同事', department: [4], main_department: 4, mobile: '13700000099' });
    await emu.callbacks.idle();
    expect(emu.callbacks.deliveries.every((x) => x.delivered)).toBe(true);
    await bridge.app.get(ContactEventsService).idle();
    expect(Date.now() - started).toBeLessThan(5000);
    const sales1 = (await userOf('sales1'))!;
    expect(sales1.nickname).toBe('销售一号');
    expect(await departmentsOfUser(sales1.id)).toEqual([{ title: '同步公司', owner: false }]);
    expect(await userOf('fresh')).toMatchObject({ nickname: '新同事' });

    emu.directory.updateMember('fresh', { status: 5 });
    await emu.callbacks.idle();
    await bridge.app.get(ContactEventsService).idle();
    expect(await rolesOf(db, nb, (await userOf('fresh'))!.id)).toEqual([]);
    const runs = (await http().get('/api/admin/sync-runs?trigger=event').set(admin).expect(200)).body.data;
    expect(runs.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a callback with a bad signature and answers nothing else', async () => {
    await http()
      .post('/api/wecom/wecom/events?msg_signature=bad&timestamp=1&nonce=2')
      .set('Content-Type', 'text/xml')
      .send('<xml><Encrypt><![CDATA[abcd]]></Encrypt></xml>')
      .expect(403);
    await http().get('/api/wecom/wecom/events?msg_signature=bad&timestamp=1&nonce=2&echostr=abcd').expect(403);
  });
});

describe('directory sync with the delete offboarding policy', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let nocobase: Awaited<ReturnType<typeof fakeNocobase>>;
  let nb: NocobaseSchema;
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

  beforeAll(async () => {
    db = await createTestDatabase();
    nb = await new NocobaseSchemaIntrospector(db.dataSource, testConfig()).introspect();
    emu = await startEmulator({ port: 0, corpId: 'wwdeltest', agentId: 1000002, directory: { ...DIRECTORY, members: DIRECTORY.members.slice(0, 4) } });
    nocobase = await fakeNocobase(db, nb);
    bridge = await createTestApp(db, {
      BRIDGE_ADMIN_API_KEY: ADMIN_KEY,
      NOCOBASE_URL: nocobase.url,
      ...emulatorEnv(emu),
      WECOM_PROVISION_ON_SYNC: 'true',
      WECOM_OFFBOARDING: 'delete',
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await nocobase?.close();
    await db?.drop();
  });

  async function run(body: Record<string, unknown> = {}) {
    const res = await request(bridge.app.getHttpServer())
      .post('/api/admin/sync-runs')
      .set(admin)
      .send({ authenticator: 'wecom', ...body })
      .expect(202);
    return bridge.app.get(SyncService).waitFor(res.body.data.id, 50);
  }
  const userIdOf = async (userid: string) =>
    Number(
      (await db.query<{ id: string }>(`SELECT nocobase_user_id AS id FROM "${TEST_BRIDGE_SCHEMA}".bindings WHERE wecom_userid = $1`, [userid]))[0]?.id ?? 0,
    );

  it('deletes users the bridge created, after ending their sessions; login-bound users are only suspended', async () => {
    expect((await run()).status).toBe('succeeded');
    const dev1 = await userIdOf('dev1');
    const lead = await userIdOf('lead');
    await db.query(`UPDATE "${TEST_BRIDGE_SCHEMA}".bindings SET source = 'login' WHERE wecom_userid = 'lead'`);
    const session = await bridge.app.get(NocobaseSessionService).mint(dev1, 'basic');
    emu.directory.removeMember('dev1');
    emu.directory.updateMember('lead', { status: 5 });

    const r = await run({ force: true });
    expect(r).toMatchObject({ status: 'succeeded', error: null });
    expect(r.counts.members).toMatchObject({ delete: 1, suspend: 1 });
    expect(nocobase.seen.map((s) => s.jti)).toContain(session.jti);
    const u = nb.columns('users');
    expect(await db.query(`SELECT 1 FROM ${nb.table('users')} WHERE ${u.id} = $1`, [dev1])).toHaveLength(0);
    expect(await userIdOf('dev1')).toBe(0);
    expect(await db.query(`SELECT 1 FROM ${nb.table('users')} WHERE ${u.id} = $1`, [lead])).toHaveLength(1);
    expect(await rolesOf(db, nb, lead)).toEqual([]);
  });
});
