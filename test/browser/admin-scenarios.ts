import type { Locator, Page } from 'playwright-core';
import request from 'supertest';
import { BRIDGE_ADMIN_KEY, copyToDocs, NB_AUTHENTICATOR, screenshots, type Sessions, type World } from './world';

const shot = screenshots('admin');
const PAGE = '/admin/settings/wecom-bridge';
/** Joins WeCom after the suite's first sync: the preview shows them, the sync creates them. */
const NEW_DEPARTMENTS = 30;
const MEMBERS_PER_DEPARTMENT = 10;
const NEW_MEMBERS = NEW_DEPARTMENTS * MEMBERS_PER_DEPARTMENT;

/**
 * Settings → WeCom (企业微信), issue #16: an admin previews a sync (items shown, nothing written), runs it (the
 * progress bar moves, then the counts), finds a member's binding by phone and unbinds it, and sees the refusal that
 * follows in the login audit; a member cannot open the page and the bridge refuses their token.
 */
export function adminScenarios(w: () => World, { open, scenario }: Sessions, state: { linaId: number }) {
  let page: Page;
  const signedInAs = async (token: string) => {
    const session = await open();
    await session.context.addInitScript((t) => {
      const storage = (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage;
      storage.setItem('NOCOBASE_TOKEN', t);
      storage.setItem('NOCOBASE_AUTH', 'basic');
    }, token);
    return session;
  };
  /** The page as root sees it; when NocoBase shows something else, what it knew of the session says why. */
  const openPage = async () => {
    await page.goto(`${w().nocobase.url}${PAGE}`);
    try {
      await page.locator('[data-wecom-admin-page]').waitFor({ timeout: 120_000 });
    } catch (error) {
      const seen = await page.evaluate(async () => {
        const storage = (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage;
        const headers = { Authorization: `Bearer ${storage.getItem('NOCOBASE_TOKEN')}`, 'X-Authenticator': storage.getItem('NOCOBASE_AUTH') ?? '' };
        const get = async (u: string) => (await fetch(u, { headers })).text().then((t) => t.slice(0, 400));
        return {
          href: (globalThis as unknown as { location: { href: string } }).location.href,
          auth: await get('/api/auth:check'),
          roles: await get('/api/roles:check'),
        };
      });
      throw new Error(`the WeCom settings page did not show: ${JSON.stringify(seen)}\n${(error as Error).message}`);
    }
  };
  const tab = async (name: RegExp) => {
    await page.getByRole('tab', { name }).click();
  };
  const nocobaseUsers = async () => {
    const res = await w().nocobase.api(await w().nocobase.rootToken(), 'GET', 'users:list?pageSize=1');
    return res.body.meta.count as number;
  };
  /**
   * The confirmation on top, once its opening animation is over: while antd zooms it in, the point Playwright
   * computed for a button can be somewhere the button is not yet (a click on the unclosable mask does nothing).
   */
  const confirmDialog = async (page: Page): Promise<Locator> => {
    const dialog = page.locator('.ant-modal-confirm').last();
    await page.waitForFunction((el) => el !== null && !/-(appear|enter)\b/.test(el.className), await dialog.elementHandle());
    return dialog;
  };

  beforeAll(async () => {
    // Li Na is bound by her first in-client login in the login scenarios; run alone, an administrator binds her.
    const bridge = () => request(w().bridge.app.getHttpServer());
    const admin = { Authorization: `Bearer ${BRIDGE_ADMIN_KEY}` };
    const existing = await bridge().get('/api/admin/bindings').query({ userid: 'lina' }).set(admin);
    if (!existing.body.data.length) {
      const bound = await bridge().post('/api/admin/bindings').set(admin).send({ authenticator: 'wecom', wecomUserid: 'lina', userId: state.linaId });
      expect(bound.status).toBe(201);
    }
    const directory = w().emu.directory;
    for (let d = 0; d < NEW_DEPARTMENTS; d++) {
      directory.addDepartment({ id: 100 + d, name: `新部门 ${d + 1}`, parentid: 1 }, { silent: true });
      for (let m = 0; m < MEMBERS_PER_DEPARTMENT; m++) {
        const n = d * MEMBERS_PER_DEPARTMENT + m;
        directory.addMember({ userid: `new${n}`, name: `新成员 ${n}`, department: [100 + d], mobile: `137${String(n).padStart(8, '0')}` }, { silent: true });
      }
    }
  });
  beforeEach(async () => {
    // A session of its own, as an admin signing in has: the suite's shared root token was renewed by NocoBase during
    // the login scenarios' short token policy, and the bridge (like NocoBase at renewal) no longer knows its jti.
    const signIn = await w().nocobase.api(null, 'POST', 'auth:signIn', { account: 'admin@nocobase.com', password: 'admin123' });
    expect(signIn.status).toBe(200);
    page = (await signedInAs(signIn.body.data.token)).page;
  });

  scenario('shows the connection, the credentials and the values for the WeCom admin console', async () => {
    await openPage();
    const setup = page.locator('[data-wecom-admin-tab="setup"]');
    await setup.getByText('token OK, reads').first().waitFor();
    expect(await setup.getByText('token OK, reads').count()).toBe(2);
    await setup.getByText(`${w().bridgeUrl}/api/wecom/wecom/callback`).waitFor();
    await setup.getByText(`${w().bridgeUrl}/api/wecom/wecom/events`).waitFor();
    copyToDocs(await shot(page, 'setup'), 'admin-setup.png');
  });

  scenario('previews a sync: the items it would apply, and nothing written', async () => {
    const before = await nocobaseUsers();
    await openPage();
    await tab(/^Sync$/);
    await page.locator('[data-wecom-admin-action="preview"]').click();
    const drawer = page.locator('[data-wecom-admin-items]');
    await drawer.waitFor();
    await drawer.locator('.ant-table-row').first().waitFor();
    // Only what would be created: the action filter narrows the items to the members who joined.
    await drawer.locator('[data-wecom-admin-filter="action"]').click();
    await page.locator('.ant-select-item-option[title="create"]').click();
    await drawer.getByText('new0', { exact: true }).waitFor();
    expect(await drawer.getByText('planned', { exact: true }).count()).toBe(20); // a page of them, none applied
    expect(await nocobaseUsers()).toBe(before);
    copyToDocs(await shot(page, 'preview-items'), 'admin-sync-preview.png');
  });

  scenario('syncs now after a confirmation: the progress bar moves, then the counts', async () => {
    const before = await nocobaseUsers();
    await openPage();
    await tab(/^Sync$/);
    w().emu.policy.latencyMs = 300; // each department read takes a moment, as in production
    try {
      await page.locator('[data-wecom-admin-action="sync-now"]').click();
      await (await confirmDialog(page)).getByRole('button', { name: 'Sync now' }).click();
      const active = page.locator('[data-wecom-admin-active-run]');
      await active.waitFor();
      const seen = new Set<string>();
      let pictured = false;
      for (let i = 0; i < 600 && (await active.getAttribute('data-status')) !== 'succeeded'; i++) {
        const percent = await page.locator('[data-wecom-admin-progress]').getAttribute('data-wecom-admin-progress');
        if (percent) seen.add(percent);
        if (!pictured && Number(percent) > 10) {
          await shot(page, 'sync-progress');
          pictured = true;
        }
        await page.waitForTimeout(100);
      }
      expect(await active.getAttribute('data-status')).toBe('succeeded');
      // A point between the start and the end (departments read of all), then done: the bar moved while WeCom was read.
      expect([...seen].filter((p) => Number(p) > 0 && Number(p) < 100).length).toBeGreaterThanOrEqual(1);
    } finally {
      w().emu.policy.latencyMs = 0;
    }
    const created = page.locator('[data-wecom-admin-active-run]').getByText(/^members create \d+$/);
    await created.waitFor();
    const n = Number((await created.textContent())!.replace(/\D+/g, ''));
    expect(n).toBeGreaterThanOrEqual(NEW_MEMBERS);
    expect(await nocobaseUsers()).toBe(before + n);
    await page.locator('[data-wecom-admin-chart]').waitFor();
    copyToDocs(await shot(page, 'sync-done'), 'admin-sync.png');
  });

  scenario('stops a sync that would offboard too many, and runs it anyway after a confirmation that shows the numbers', async () => {
    const directory = w().emu.directory;
    const leaving = [...directory.allMembers()].filter((m) => m.userid.startsWith('new')).map((m) => m.userid);
    for (const userid of leaving) directory.removeMember(userid);
    await openPage();
    await tab(/^Sync$/);
    await page.locator('[data-wecom-admin-action="sync-now"]').click();
    await (await confirmDialog(page)).getByRole('button', { name: 'Sync now' }).click();
    await page.locator('[data-wecom-admin-active-run][data-status="aborted"]').waitFor({ timeout: 120_000 });
    const runAnyway = page.locator('[data-wecom-admin-run-anyway]').first();
    await runAnyway.waitFor();
    await runAnyway.click();
    // The confirmation repeats what stopped the run: how many members it would offboard against the threshold.
    const confirm = await confirmDialog(page);
    await confirm
      .getByText(new RegExp(`${leaving.length}`))
      .first()
      .waitFor();
    await shot(page, 'run-anyway-confirm');
    await confirm.getByRole('button', { name: 'Run anyway' }).click();
    await page.locator('[data-wecom-admin-active-run][data-status="succeeded"]').waitFor({ timeout: 120_000 });
    await page.locator('[data-wecom-admin-active-run]').getByText(`members suspend ${leaving.length}`).waitFor();
    await shot(page, 'run-anyway-done');
  });

  scenario('opens in client-v2 as well', async () => {
    await page.goto(`${w().nocobase.url}/v${PAGE}`);
    await page.locator('[data-wecom-admin-page]').waitFor({ timeout: 120_000 });
    await page.locator('[data-wecom-admin-tab="setup"]').getByText('token OK, reads').first().waitFor();
    await shot(page, 'client-v2');
  });

  scenario("finds a member's binding by phone in another spelling and unbinds it; the refusal that follows is in the audit", async () => {
    await openPage();
    await tab(/^Bindings$/);
    const bindings = page.locator('[data-wecom-admin-tab="bindings"]');
    await bindings.locator('input').first().fill('+86 139-0000-0002');
    await bindings.getByRole('button', { name: 'Search' }).click();
    const row = bindings.locator('.ant-table-row');
    await page.waitForFunction(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document;
      return doc.querySelectorAll('[data-wecom-admin-tab="bindings"] .ant-table-row').length === 1;
    });
    await row.getByText('lina', { exact: true }).waitFor();
    // Her NocoBase nickname, or the WeCom name the sync has given it since.
    await row.getByText(/^(Li Na|李娜) \(#\d+\)$/).waitFor();
    copyToDocs(await shot(page, 'bindings-found'), 'admin-bindings.png');

    await row.locator('[data-wecom-admin-unbind="lina"]').click();
    await (await confirmDialog(page)).getByText(/^Unbind lina from (Li Na|李娜) \(#\d+\)\?$/).waitFor();
    await (await confirmDialog(page)).getByRole('button', { name: 'Unbind' }).click();
    await bindings.locator('.ant-empty').waitFor();

    // Li Na scans the QR code again: with no binding and no phone in a QR login, the bridge refuses her.
    const member = await open();
    await member.page.goto(`${w().nocobase.url}/signin`);
    await member.page.locator(`[data-wecom-bridge-authenticator="${NB_AUTHENTICATOR}"] button`).click();
    await member.page.getByRole('searchbox').fill('李');
    await member.page.getByRole('button', { name: /搜索/ }).click();
    await member.page.getByRole('link', { name: '李娜 (lina)' }).click();
    await member.page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.has('error'));

    await tab(/^Login audit$/);
    const audit = page.locator('[data-wecom-admin-tab="audit"]');
    await audit.locator('.ant-table-row').first().waitFor();
    const latest = audit.locator('.ant-table-row').first();
    await latest.getByText('refused').waitFor();
    await latest.getByText('lina', { exact: true }).waitFor();
    await latest.getByText('FIRST_LOGIN_IN_CLIENT').waitFor();
    copyToDocs(await shot(page, 'audit-refusal'), 'admin-login-audit.png');
  });

  scenario('is not there for a member, and the bridge refuses a member’s token', async () => {
    const nb = w().nocobase;
    const created = await nb.api(await nb.rootToken(), 'POST', 'users:create', {
      nickname: 'Mei',
      username: 'mei',
      password: 'mei-Password-1',
      roles: ['member'],
    });
    expect(created.status).toBe(200);
    const signIn = await nb.api(null, 'POST', 'auth:signIn', { account: 'mei', password: 'mei-Password-1' });
    expect(signIn.status).toBe(200);
    const member = await signedInAs(signIn.body.data.token);
    await member.page.goto(`${nb.url}${PAGE}`);
    // NocoBase answers a settings page the role may not see with its own result page (no such page for them).
    await member.page.locator('.ant-result').waitFor({ timeout: 120_000 });
    expect(await member.page.locator('[data-wecom-admin-page]').count()).toBe(0);
    await shot(member.page, 'member-refused');
    const answer = await member.page.evaluate(async (bridge) => {
      const storage = (globalThis as unknown as { localStorage: { getItem(k: string): string } }).localStorage;
      const res = await fetch(`${bridge}/api/admin/bindings`, { headers: { Authorization: `Bearer ${storage.getItem('NOCOBASE_TOKEN')}` } });
      return { status: res.status, body: await res.json() };
    }, w().bridgeUrl);
    expect(answer).toMatchObject({ status: 403, body: { errors: [{ code: 'ADMIN_FORBIDDEN' }] } });
  });
}
