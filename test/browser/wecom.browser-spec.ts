import { adminScenarios } from './admin-scenarios';
import { loginScenarios, TITLE } from './login-scenarios';
import { settingsScenarios } from './settings-scenarios';
import { browserSessions, NB_AUTHENTICATOR, startWorld, type World } from './world';

const DIRECTORY = {
  corpName: '浏览器测试公司',
  departments: [
    { id: 1, name: '浏览器测试公司', parentid: 0 },
    { id: 2, name: '销售部', parentid: 1 },
  ],
  members: [
    { userid: 'zhangwei', name: '张伟', department: [2], mobile: '13900000001' },
    // Has a NocoBase account (below) with this mobile: not provisioned by the sync, bound at a first in-client login.
    { userid: 'lina', name: '李娜', department: [2], mobile: '13900000002' },
    { userid: 'liuyang', name: '刘洋', department: [2], mobile: '13900000003' },
    { userid: 'chenjing', name: '陈静', department: [2], mobile: '13900000004' },
  ],
};

/**
 * One NocoBase 2.2.15 with its UI and the packed plugin (pm add + pm enable), the bridge and the emulator, shared by
 * the login scenarios and then the settings scenarios (a NocoBase takes a minute and a half to set up here).
 */
describe('WeCom sign-in with the NocoBase plugin, in Chromium', () => {
  let world: World;
  const state = { linaId: 0, authenticatorId: 0 };
  const sessions = browserSessions(() => world);

  beforeAll(async () => {
    world = await startWorld(DIRECTORY, async (nocobase, root, bridgeUrl) => {
      const lina = await nocobase.api(root, 'POST', 'users:create', {
        nickname: 'Li Na',
        email: 'li.na@example.com',
        phone: '+86 139 0000 0002',
        roles: ['member'],
      });
      expect(lina.status).toBe(200);
      state.linaId = lina.body.data.id;
      // The authenticator an admin creates through NocoBase's API (nocobase-plugin/README.md).
      const created = await nocobase.api(root, 'POST', 'authenticators:create', {
        name: NB_AUTHENTICATOR,
        authType: 'wecom-bridge',
        title: TITLE,
        enabled: true,
        options: { bridgeUrl, bridgeAuthenticator: 'wecom', autoLogin: true },
      });
      expect(created.status).toBe(200);
      state.authenticatorId = created.body.data.id;
    });
    expect(await world.sync()).toMatchObject({ status: 'succeeded' });
    // Joins WeCom after the sync: no NocoBase account, and no NocoBase user has the mobile.
    world.emu.directory.addMember({ userid: 'wangfang', name: '王芳', department: [2], mobile: '13900000009' });
  }, 400_000);
  afterAll(async () => {
    console.log(`browser suite set-up (s): ${JSON.stringify(world?.timings)}`);
    await world?.close();
  });

  describe('signing in', () => loginScenarios(() => world, sessions, state));
  describe('the settings form', () => settingsScenarios(() => world, sessions));
  describe('the WeCom settings page', () => adminScenarios(() => world, sessions, state));
});
