import type { Locator, Page } from 'playwright-core';
import request from 'supertest';
import { BRIDGE_ADMIN_KEY, copyToDocs, screenshots, type Sessions, type World } from './world';

const shot = screenshots('settings');

/**
 * Authentication → Authenticators → Add new → 企业微信 (WeCom), in the classic client and client-v2, as root: the
 * fields, the Check against the bridge (OK, unknown, disabled, unreachable), and what Submit saves.
 */
export function settingsScenarios(w: () => World, { open, scenario }: Sessions) {
  let page: Page;
  /** The WeCom authenticators that existed before these scenarios (they remove only what they add). */
  let before: Set<number>;

  beforeAll(async () => {
    // A second, disabled authenticator on the bridge, created through the bridge's admin API.
    const off = await request(w().bridge.app.getHttpServer())
      .post('/api/admin/authenticators')
      .set('Authorization', `Bearer ${BRIDGE_ADMIN_KEY}`)
      .send({
        name: 'wecom-off',
        title: '停用的企业微信',
        enabled: false,
        corpId: w().emu.corpId,
        agentId: String(w().emu.agentId),
        secret: w().emu.secret,
        origin: w().nocobase.url,
      });
    expect(off.status).toBe(201);
    before = new Set((await savedAuthenticators()).map((a) => a.id));
  });
  beforeEach(async () => {
    // Root's session in the page's storage, as NocoBase's own sign-in leaves it (that form is NocoBase's, not ours).
    const token = await w().nocobase.rootToken();
    const session = await open();
    await session.context.addInitScript((t) => {
      const storage = (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage;
      storage.setItem('NOCOBASE_TOKEN', t);
      storage.setItem('NOCOBASE_AUTH', 'basic');
    }, token);
    page = session.page;
  });
  afterAll(async () => {
    // Leave the sign-in page as it was for whatever runs next.
    const root = await w().nocobase.rootToken();
    for (const { id } of await savedAuthenticators()) if (!before.has(id)) await w().nocobase.api(root, 'POST', `authenticators:destroy?filterByTk=${id}`);
  });

  /** Authentication → Authenticators → Add new → 企业微信 (WeCom): the drawer with the common fields and ours. */
  async function openAddNew(path: string): Promise<Locator> {
    await page.goto(`${w().nocobase.url}${path}`);
    await page
      .getByRole('button', { name: /Add new/ })
      .first()
      .click();
    await page.getByRole('menuitem', { name: '企业微信 (WeCom)' }).click();
    const drawer = page.locator('.ant-drawer-content').last();
    await drawer.locator('input[placeholder="https://wecom.example.com"]').waitFor();
    return drawer;
  }
  /** The input under a field's label, in the classic client's Formily form or client-v2's antd form. */
  const field = (drawer: Locator, label: string) =>
    drawer
      .locator('.ant-formily-item, .ant-form-item')
      .filter({ has: page.locator('label', { hasText: new RegExp(`^\\s*${label}\\s*:?\\s*$`) }) })
      .locator('input')
      .first();
  async function check(drawer: Locator, expected: string): Promise<Locator> {
    await drawer.locator('[data-wecom-bridge-check]').click();
    const result = drawer.locator(`[data-wecom-bridge-check-result="${expected}"]`);
    await result.waitFor();
    return result;
  }

  scenario('checks the bridge from the browser: OK with its title, unknown name, disabled, unreachable; then saves the options', async () => {
    const drawer = await openAddNew('/admin/settings/auth/authenticators');
    await field(drawer, 'Title').fill('企业微信');
    await field(drawer, 'Bridge URL').fill(w().bridgeUrl);
    expect(await (await check(drawer, 'ok')).textContent()).toContain('“企业微信” and it is enabled');
    copyToDocs(await shot(page, 'classic-check-ok'), 'settings-form.png');

    await field(drawer, 'Bridge authenticator').fill('nope');
    expect(await (await check(drawer, 'not-found')).textContent()).toContain('no authenticator named “nope”');
    await field(drawer, 'Bridge authenticator').fill('wecom-off');
    expect(await (await check(drawer, 'disabled')).textContent()).toContain('“wecom-off”, but it is disabled');
    await shot(page, 'classic-check-disabled');
    await field(drawer, 'Bridge URL').fill('http://bridge.localhost:9');
    expect(await (await check(drawer, 'unreachable')).textContent()).toContain(
      'cannot reach the bridge at http://bridge.localhost:9/api/wecom/authenticators/wecom-off',
    );
    await shot(page, 'classic-check-unreachable');

    await field(drawer, 'Bridge URL').fill(w().bridgeUrl);
    await field(drawer, 'Bridge authenticator').fill('wecom');
    await drawer
      .locator('.ant-formily-item, .ant-form-item')
      .filter({ hasText: 'Sign in automatically inside the WeCom client' })
      .locator('input[type="checkbox"]')
      .check();
    await drawer
      .locator('.ant-formily-item, .ant-form-item')
      .filter({ hasText: /^Enabled/ })
      .locator('input[type="checkbox"]')
      .check();
    await page.getByRole('button', { name: 'Submit' }).last().click();
    await drawer.waitFor({ state: 'hidden' });
    const saved = (await savedAuthenticators()).filter((a) => !before.has(a.id));
    expect(saved).toContainEqual(
      expect.objectContaining({ title: '企业微信', enabled: true, options: { bridgeUrl: w().bridgeUrl, bridgeAuthenticator: 'wecom', autoLogin: true } }),
    );
  });

  scenario('does the same in client-v2 (/v/admin/settings)', async () => {
    const drawer = await openAddNew('/v/admin/settings/auth/authenticators');
    await field(drawer, 'Title').fill('企业微信 v2');
    await field(drawer, 'Bridge URL').fill(`${w().bridgeUrl}/`);
    expect(await (await check(drawer, 'ok')).textContent()).toContain('“企业微信” and it is enabled');
    await shot(page, 'v2-check-ok');
    await field(drawer, 'Bridge authenticator').fill('nope');
    await check(drawer, 'not-found');
    await field(drawer, 'Bridge authenticator').fill('');
    await page.getByRole('button', { name: 'Submit' }).last().click();
    await drawer.waitFor({ state: 'hidden' });
    const v2 = (await savedAuthenticators()).find((a) => a.title === '企业微信 v2');
    expect(v2).toMatchObject({ enabled: false, options: { bridgeUrl: `${w().bridgeUrl}/` } });
    expect(v2?.options.autoLogin).toBeFalsy();
  });

  async function savedAuthenticators(): Promise<Array<{ id: number; name: string; title: string; enabled: boolean; options: Record<string, unknown> }>> {
    const res = await w().nocobase.api(
      await w().nocobase.rootToken(),
      'GET',
      `authenticators:list?filter=${encodeURIComponent(JSON.stringify({ authType: 'wecom-bridge' }))}`,
    );
    expect(res.status).toBe(200);
    return res.body.data;
  }
}
