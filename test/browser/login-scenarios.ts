import type { BrowserContext, Page } from 'playwright-core';
import { authCheckFromPage, copyToDocs, NB_AUTHENTICATOR, screenshots, type Sessions, type World } from './world';

export const TITLE = '企业微信';
const shot = screenshots('login');

/**
 * What a person sees signing in with WeCom: the button, the QR chooser, a refusal, the silent in-client login and
 * its limits, signing out and in again. `state` holds the ids the suite's setup created.
 */
export function loginScenarios(w: () => World, { open, scenario }: Sessions, state: { linaId: number; authenticatorId: number }) {
  const setAutoLogin = async (autoLogin: boolean) => {
    const res = await w().nocobase.api(await w().nocobase.rootToken(), 'POST', `authenticators:update?filterByTk=${state.authenticatorId}`, {
      enabled: true, // an update without it reads as disabling ("keep and enable at least one authenticator")
      options: { bridgeUrl: w().bridgeUrl, bridgeAuthenticator: 'wecom', autoLogin },
    });
    expect(res.status).toBe(200);
  };
  const wecomButton = (page: Page) => page.locator(`[data-wecom-bridge-authenticator="${NB_AUTHENTICATOR}"] button`);
  /** Full-page navigations to the bridge's login, counted per browser context. */
  const bridgeLogins = (context: BrowserContext) => {
    const seen: string[] = [];
    context.on('request', (r) => {
      if (r.isNavigationRequest() && r.url().startsWith(`${w().bridgeUrl}/api/wecom/`) && new URL(r.url()).pathname.endsWith('/login')) seen.push(r.url());
    });
    return seen;
  };
  /** Signed in on /admin (NocoBase took the token off the URL), with the nickname in NocoBase's user menu. */
  const landedSignedIn = async (page: Page, nickname: string) => {
    await page.waitForURL((u) => u.pathname.startsWith('/admin') && !u.searchParams.has('token'));
    await openUserMenu(page);
    await page.getByText(nickname, { exact: true }).first().waitFor();
  };

  scenario('shows the WeCom button beside the password form on /signin and on /v/signin', async () => {
    const { page } = await open();
    await page.goto(`${w().nocobase.url}/signin`);
    await wecomButton(page).waitFor();
    expect(await wecomButton(page).textContent()).toContain(TITLE);
    await page.locator('input[type="password"]').waitFor();
    // NocoBase's own "Unauthenticated" toast for a direct visit: let it go before the picture for the README.
    await page.locator('.ant-notification-notice').waitFor({ state: 'detached' });
    copyToDocs(await shot(page, 'signin-classic'), 'signin-wecom-button.png');

    await page.goto(`${w().nocobase.url}/v/signin`);
    await wecomButton(page).waitFor();
    await page.locator('input[type="password"]').waitFor();
    await shot(page, 'signin-v2');
  });

  scenario('signs a bound member in through the QR chooser and lands on /admin as them', async () => {
    const { context, page } = await open();
    const logins = bridgeLogins(context);
    await page.goto(`${w().nocobase.url}/admin`);
    await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('redirect') === '/admin');
    await wecomButton(page).click();
    await page.waitForURL((u) => u.href.startsWith(w().wecomUrl) && u.pathname === '/wwlogin/sso/login');
    await page.getByRole('searchbox').fill('张');
    await page.getByRole('button', { name: /搜索/ }).click();
    await page.getByRole('link', { name: '张伟 (zhangwei)' }).waitFor();
    await shot(page, 'qr-chooser');
    // The button passed on the page's ?redirect, which NocoBase set when it sent the signed-out visit to /signin.
    expect(logins.map((u) => new URL(u).searchParams.get('redirect'))).toEqual(['/admin']);
    await page.getByRole('link', { name: '张伟 (zhangwei)' }).click();
    await landedSignedIn(page, '张伟');
    await shot(page, 'qr-signed-in');
    const check = await authCheckFromPage(page);
    expect(check).toMatchObject({ status: 200, authenticator: NB_AUTHENTICATOR, user: { nickname: '张伟' } });

    // NocoBase renews the session under the WeCom authenticator (its BaseAuth) like its own. The page is closed
    // first so that its own background requests do not renew the token before this one does.
    const token = await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string } }).localStorage.getItem('NOCOBASE_TOKEN'));
    await page.close();
    const nb = w().nocobase;
    const root = await nb.rootToken();
    const policy = (tokenExpirationTime: string) =>
      nb.api(root, 'POST', 'tokenControlConfig:update?filterByTk=token-policy-config', {
        config: { tokenExpirationTime, sessionExpirationTime: '7d', expiredTokenRenewLimit: '1d' },
      });
    expect((await policy('3s')).status).toBe(200);
    try {
      await new Promise((r) => setTimeout(r, 4500)); // past the token's 3 s lifetime
      const expired = await nb.api(token, 'GET', 'auth:check', undefined, { 'X-Authenticator': NB_AUTHENTICATOR });
      expect(expired.status).toBe(200);
      const renewed = expired.headers.get('x-new-token');
      expect(renewed).toBeTruthy();
      expect((await nb.api(renewed, 'GET', 'auth:check', undefined, { 'X-Authenticator': NB_AUTHENTICATOR })).body.data).toMatchObject({ nickname: '张伟' });
    } finally {
      await policy('1d');
    }
  });

  scenario('gives the sign-in page only the public options, and refuses a password sign-in against the WeCom authenticator', async () => {
    const list = await w().nocobase.api(null, 'GET', 'authenticators:publicList');
    const ours = list.body.data.find((a: { name: string }) => a.name === NB_AUTHENTICATOR);
    expect(ours).toMatchObject({ authType: 'wecom-bridge', authTypeTitle: '企业微信 (WeCom)', title: TITLE });
    expect(ours.options).toEqual({
      loginUrl: `${w().bridgeUrl}/api/wecom/wecom/login`,
      bridgeUrl: w().bridgeUrl,
      bridgeAuthenticator: 'wecom',
      autoLogin: true,
    });
    const signIn = await w().nocobase.api(
      null,
      'POST',
      'auth:signIn',
      { account: 'li.na@example.com', password: 'whatever' },
      { 'X-Authenticator': NB_AUTHENTICATOR },
    );
    expect(signIn.status).toBe(401);
    expect(JSON.stringify(signIn.body)).toContain('Use the WeCom button on the sign-in page to sign in.');
  });

  scenario("brings a member without a NocoBase account back to /signin with the bridge's message on the button", async () => {
    const { page } = await open();
    await page.goto(`${w().nocobase.url}/signin?redirect=/admin`);
    await wecomButton(page).click();
    await page.getByRole('link', { name: '王芳 (wangfang)' }).click();
    await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('authenticator') === NB_AUTHENTICATOR && u.searchParams.has('error'));
    const message = new URL(page.url()).searchParams.get('error')!;
    const shown = page.locator(`[data-wecom-bridge-authenticator="${NB_AUTHENTICATOR}"] [data-wecom-bridge-error]`);
    await shown.waitFor();
    expect(await shown.textContent()).toContain(message);
    await shot(page, 'qr-refused');
    expect(await authCheckFromPage(page)).toMatchObject({ status: 401 });
  });

  scenario('signs a member in with no click inside the WeCom client, binding them by phone at this first login', async () => {
    const { context, page } = await open({ inClient: true, locale: 'zh-CN' });
    const logins = bridgeLogins(context);
    // The member signed in to the (emulated) WeCom client on this device.
    await page.goto(`${w().wecomUrl}/_emulator/as?userid=lina`);
    await page.goto(`${w().nocobase.url}/admin`);
    await landedSignedIn(page, 'Li Na');
    await shot(page, 'in-client-auto-login');
    expect(await authCheckFromPage(page)).toMatchObject({ status: 200, authenticator: NB_AUTHENTICATOR, user: { id: state.linaId, nickname: 'Li Na' } });
    expect(logins).toHaveLength(1);
  });

  scenario('does not loop when the bridge refuses an in-client auto-login', async () => {
    const { context, page } = await open({ inClient: true, locale: 'zh-CN' });
    const logins = bridgeLogins(context);
    await page.goto(`${w().wecomUrl}/_emulator/as?userid=wangfang`);
    await page.goto(`${w().nocobase.url}/admin`);
    // Inside the WeCom client the bridge answers a refusal with a page of its own.
    await page.getByText('登录失败').first().waitFor();
    await shot(page, 'in-client-refused');
    // Opening NocoBase again in the same tab shows the button instead of going round again.
    await page.goto(`${w().nocobase.url}/admin`);
    await wecomButton(page).waitFor();
    await settle(page);
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(logins).toHaveLength(1);
    await shot(page, 'in-client-no-loop');
  });

  scenario('shows the button inside the WeCom client when auto-login is off', async () => {
    await setAutoLogin(false);
    try {
      const { context, page } = await open({ inClient: true, locale: 'zh-CN' });
      const logins = bridgeLogins(context);
      await page.goto(`${w().wecomUrl}/_emulator/as?userid=lina`);
      await page.goto(`${w().nocobase.url}/admin`);
      await wecomButton(page).waitFor();
      await settle(page);
      expect(new URL(page.url()).pathname).toBe('/signin');
      expect(logins).toHaveLength(0);
      await shot(page, 'in-client-auto-login-off');
      // The button still works in the client: in-client OAuth as the signed-in member, no chooser.
      await wecomButton(page).click();
      await landedSignedIn(page, 'Li Na');
      expect(logins).toHaveLength(1);
    } finally {
      await setAutoLogin(true);
    }
  });

  scenario('signs out in NocoBase and back in with the button', async () => {
    const { page } = await open();
    await page.goto(`${w().nocobase.url}/signin?redirect=/admin`);
    await wecomButton(page).click();
    await page.getByRole('link', { name: '刘洋 (liuyang)' }).click();
    await landedSignedIn(page, '刘洋');
    const first = await authCheckFromPage(page);
    expect(first).toMatchObject({ status: 200, user: { nickname: '刘洋' } });

    await signOut(page);
    await wecomButton(page).waitFor();
    await shot(page, 'signed-out');
    expect(await authCheckFromPage(page)).toMatchObject({ status: 401 });

    await wecomButton(page).click();
    await page.getByRole('link', { name: '刘洋 (liuyang)' }).click();
    await landedSignedIn(page, '刘洋');
    await shot(page, 'signed-in-again');
    expect(await authCheckFromPage(page)).toMatchObject({ status: 200, authenticator: NB_AUTHENTICATOR, user: { id: first.user!.id } });
  });
}

/** NocoBase's user menu at the top right (on a phone-sized page it sits behind the header's "⋯"). */
async function openUserMenu(page: Page) {
  const menu = page.locator('[data-testid="user-center-button"]');
  const more = page.locator('.ant-pro-global-header .anticon-ellipsis');
  await menu.or(more).first().waitFor();
  if (await menu.isVisible()) return menu.hover();
  await more.click();
  await menu.click();
}

/** NocoBase's own sign-out, in the user menu. */
async function signOut(page: Page) {
  await openUserMenu(page);
  await page
    .getByText(/^(Sign out|注销|退出登录)$/)
    .first()
    .click();
  await page.waitForURL((u) => u.pathname === '/signin');
}

/**
 * After the button has rendered, give an auto-login that should not happen the time it would take (it runs in the
 * effect right after that render): a negative can only be observed by waiting.
 */
function settle(page: Page) {
  return page.waitForTimeout(2000);
}
