import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { AuthenticatorsService } from '../../src/auth/authenticators/authenticators.service';
import { SyncService } from '../../src/sync/sync.service';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import type { Naming } from '../utils/nocobase-fixture';
import type { TestDatabase } from '../utils/test-database';
import { parseHandoff, WecomLoginDriver } from '../utils/wecom-login-driver';
import { NOCOBASE_VERSION, startLiveNocobase, type LiveNocobase } from './live-nocobase';
import { emulatorEnv } from '../utils/emulator-env';

const DIRECTORY = {
  corpName: '兼容公司',
  departments: [
    { id: 1, name: '兼容公司', parentid: 0 },
    { id: 2, name: '研发部', parentid: 1 },
    { id: 3, name: '后端组', parentid: 2 },
  ],
  members: [
    { userid: 'syncme', name: '同步者', department: [3], main_department: 3, mobile: '13600000001', is_leader_in_dept: [1] },
    { userid: 'pwduser', name: '老员工', department: [2], main_department: 2, mobile: '13600000002' },
    { userid: 'leaver', name: '要走的', department: [2], main_department: 2, mobile: '13600000003' },
  ],
};

const MODES = (process.env.NOCOBASE_NAMING?.split(',') ?? ['camel', 'snake']) as Naming[];

describe.each(MODES)(`bridge against a live NocoBase ${NOCOBASE_VERSION} (%s)`, (naming) => {
  let nocobase: LiveNocobase;
  let emu: WecomEmulator;
  let bridge: TestApp;
  let root: string;
  const port = 13100 + (naming === 'snake' ? 1 : 0) + (process.pid % 50) * 2;

  async function sync(force = false) {
    const a = await bridge.app.get(AuthenticatorsService).get('wecom');
    return (await bridge.app.get(SyncService).trigger(a, 'cli', { force })).done;
  }
  async function login(userid: string, inClient = false): Promise<string> {
    const res = await new WecomLoginDriver(bridge.app).login(userid, { inClient, redirect: '/admin' });
    const { token, error } = parseHandoff(res.headers.location);
    if (!token) throw new Error(`login of ${userid} failed: ${error}`);
    return token;
  }
  const check = (token: string) => nocobase.api(token, 'GET', 'auth:check');

  beforeAll(async () => {
    nocobase = await startLiveNocobase(naming, port);
    root = await nocobase.rootToken();
    // A NocoBase user with a password and the phone WeCom knows for pwduser.
    const created = await nocobase.api(root, 'POST', 'users:create', {
      nickname: 'Old Hand',
      email: 'old.hand@example.com',
      phone: '+86 136 0000 0002',
      password: 'OldHand#2026',
      roles: ['member'],
    });
    expect(created.status).toBe(200);
    emu = await startEmulator({ port: 0, corpId: 'wwcompat', agentId: 1000002, directory: DIRECTORY });
    emu.app.createdAfter20220620 = false; // mobiles readable, so the sync writes phones
    bridge = await createTestApp({ url: nocobase.databaseUrl } as TestDatabase, {
      NOCOBASE_JWT_SECRET: nocobase.appKey,
      NOCOBASE_URL: nocobase.url,
      ...emulatorEnv(emu, { origin: 'http://127.0.0.1:13000' }),
      WECOM_PROVISION_ON_SYNC: 'true',
    });
    expect(await sync()).toMatchObject({ status: 'succeeded' });
  }, 300_000);
  afterAll(async () => {
    await bridge?.close();
    await emu?.close();
    await nocobase?.stop();
  });

  it("shows a synced user in NocoBase's own API with nickname, phone, default role and departments", async () => {
    const list = await nocobase.api(root, 'GET', `users:list?filter=${encodeURIComponent(JSON.stringify({ nickname: '同步者' }))}&appends=roles,departments`);
    expect(list.status).toBe(200);
    const [user] = list.body.data;
    expect(user).toMatchObject({ nickname: '同步者', phone: '+8613600000001' });
    expect(user.roles.map((r: { name: string }) => r.name)).toContain('member');
    expect(user.departments.map((d: { title: string }) => d.title)).toEqual(['后端组']);
  });

  it("shows synced departments in NocoBase's tree with their parents", async () => {
    const tree = await nocobase.api(root, 'GET', 'departments:list?tree=true&paginate=false');
    expect(tree.status).toBe(200);
    const company = tree.body.data.find((d: { title: string }) => d.title === '兼容公司');
    expect(company.children.map((d: { title: string }) => d.title)).toEqual(['研发部']);
    expect(company.children[0].children.map((d: { title: string }) => d.title)).toEqual(['后端组']);
  });

  it('changes nothing when it syncs the same directory again', async () => {
    const again = await sync();
    expect(again).toMatchObject({ status: 'succeeded', rowsWritten: 0 });
    expect(again.counts.departments).toMatchObject({ create: 0, update: 0, move: 0 });
    expect(again.counts.members).toMatchObject({ create: 0, update: 0 });
    expect(again.counts.members!.unchanged + again.counts.members!.skip).toBe(DIRECTORY.members.length);
    const titles = (await nocobase.api(root, 'GET', 'departments:list?paginate=false')).body.data.map((d: { title: string }) => d.title);
    expect(titles.filter((t: string) => t === '研发部')).toHaveLength(1);
  });

  it('creates only what is new when WeCom gains a department and a member', async () => {
    emu.directory.addDepartment({ id: 40, name: '新组', parentid: 2 }, { silent: true });
    emu.directory.addMember({ userid: 'newbie', name: '新人', department: [40], mobile: '13600000040' }, { silent: true });
    const next = await sync();
    expect(next).toMatchObject({ status: 'succeeded' });
    expect(next.counts.departments).toMatchObject({ create: 1, update: 0, move: 0 });
    expect(next.counts.members).toMatchObject({ create: 1, update: 0 });
    emu.directory.removeMember('newbie');
    emu.directory.removeDepartment(40);
    expect(await sync(true)).toMatchObject({ status: 'succeeded' });
  });

  it('accepts a bridge-minted token, and the user can call NocoBase with the default role', async () => {
    const token = await login('syncme');
    const res = await check(token);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ nickname: '同步者' });
    expect((await nocobase.api(token, 'GET', 'roles:check')).status).toBe(200);
  });

  it('keeps the password login of a user bound at an in-client login', async () => {
    const token = await login('pwduser', true);
    expect((await check(token)).body.data).toMatchObject({ nickname: 'Old Hand' });
    const signIn = await nocobase.api(null, 'POST', 'auth:signIn', { account: 'old.hand@example.com', password: 'OldHand#2026' });
    expect(signIn.status).toBe(200);
  });

  it('refuses the token at once when the member leaves WeCom (suspend policy)', async () => {
    const token = await login('leaver');
    expect((await check(token)).status).toBe(200);
    emu.directory.updateMember('leaver', { status: 5 });
    const run = await sync(true);
    expect(run.counts.members?.suspend).toBe(1);
    expect(run.counts.failed ?? 0).toBe(0);
    const after = await check(token);
    expect(after.status).toBe(401);
    // The roles the bridge withdrew are gone for NocoBase too (its roles cache was dropped).
    const leaver = await nocobase.api(root, 'GET', `users:list?filter=${encodeURIComponent(JSON.stringify({ nickname: '要走的' }))}&appends=roles`);
    expect(leaver.body.data[0].roles).toEqual([]);
  });

  it("keeps a bridge-minted token working across NocoBase's renewal once its lifetime passes", async () => {
    const policy = (tokenExpirationTime: string) =>
      nocobase.api(root, 'POST', 'tokenControlConfig:update?filterByTk=token-policy-config', {
        config: { tokenExpirationTime, sessionExpirationTime: '7d', expiredTokenRenewLimit: '1d' },
      });
    expect((await policy('3s')).status).toBe(200);
    try {
      const token = await login('syncme');
      await new Promise((r) => setTimeout(r, 4500));
      const expired = await check(token);
      expect(expired.status).toBe(200);
      const renewed = expired.headers.get('x-new-token');
      expect(renewed).toBeTruthy();
      expect((await check(renewed!)).status).toBe(200);
    } finally {
      await policy('1d');
    }
  });

  it("lets NocoBase's own department operations stand through the next sync", async () => {
    const all = (await nocobase.api(root, 'GET', 'departments:list?paginate=false')).body.data as Array<{ id: string; title: string; parentId: string | null }>;
    const [company, rd, backend] = ['兼容公司', '研发部', '后端组'].map((t) => all.find((d) => d.title === t)!);
    // Move 后端组 under the company in NocoBase, and add a user to 研发部 by hand.
    expect((await nocobase.api(root, 'POST', `departments:update?filterByTk=${backend.id}`, { parentId: company.id })).status).toBe(200);
    const hand = await nocobase.api(root, 'POST', 'users:create', { nickname: 'Hand Made', email: 'hand.made@example.com', password: 'HandMade#2026' });
    expect((await nocobase.api(root, 'POST', `departments/${rd.id}/members:add`, [hand.body.data.id])).status).toBe(200);

    expect(await sync()).toMatchObject({ status: 'succeeded' });
    const after = (await nocobase.api(root, 'GET', 'departments:list?paginate=false')).body.data as Array<{ id: string; parentId: string | null }>;
    expect(after.find((d) => d.id === backend.id)!.parentId).toBe(company.id);
    const members = await nocobase.api(root, 'GET', `departments/${rd.id}/members:list?paginate=false`);
    expect(members.body.data.map((u: { nickname: string }) => u.nickname)).toContain('Hand Made');
  });

  it('shows a nickname the sync changed at once, even to a signed-in user NocoBase holds in its cache', async () => {
    const token = await login('syncme');
    emu.directory.updateMember('syncme', { name: '改名了' });
    expect(await sync()).toMatchObject({ status: 'succeeded' });
    const listed = await nocobase.api(root, 'GET', `users:list?filter=${encodeURIComponent(JSON.stringify({ nickname: '改名了' }))}`);
    expect(listed.body.data).toHaveLength(1);
    // Without the bridge's cache refresh this stayed "同步者" for as long as we looked (measured: > 5 s).
    expect((await check(token)).body.data.nickname).toBe('改名了');
  });
});
