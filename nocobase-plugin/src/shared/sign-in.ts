/**
 * What the sign-in button decides, as plain functions of the page (URL, user agent, sessionStorage), so the same
 * rules serve the classic client and client-v2 and can be unit-tested without a browser.
 */

/** The WeCom client's webview says `wxwork/<version>` (plain WeChat also says MicroMessenger, so only wxwork counts). */
export function isWecomClient(userAgent: string | undefined): boolean {
  return /\bwxwork\//i.test(userAgent ?? '');
}

/**
 * Where the button goes: the bridge's login URL with the page's `?redirect` (a path such as `/admin`). Without one
 * the bridge uses its workbench path, so none is invented here.
 */
export function bridgeLoginHref(loginUrl: string, pageSearch: string): string {
  const redirect = new URLSearchParams(pageSearch).get('redirect');
  if (!redirect) return loginUrl;
  const url = new URL(loginUrl);
  url.searchParams.set('redirect', redirect);
  return url.toString();
}

/** The bridge sends a refused member to `/signin?authenticator=<name>&error=<message>`; only that authenticator's button shows it. */
export function errorFor(authenticatorName: string, pageSearch: string): string | null {
  const q = new URLSearchParams(pageSearch);
  if (q.get('authenticator') !== authenticatorName) return null;
  const error = q.get('error');
  return error && error.trim() ? error : null;
}

export const autoLoginStorageKey = (authenticatorName: string) => `wecom-bridge:auto-login-tried:${authenticatorName}`;

export interface AutoLoginInput {
  authenticatorName: string;
  loginUrl: string | null;
  autoLogin: boolean;
  pageSearch: string;
  userAgent: string | undefined;
  /** Whether this tab already went to the bridge by itself (sessionStorage). */
  alreadyTried: boolean;
}

/**
 * Auto-login goes to the bridge without a click only inside the WeCom client, when the admin turned it on, when the
 * bridge did not just send this member back with an error, and at most once per tab: a refusal must not loop.
 */
export function shouldAutoLogin(input: AutoLoginInput): boolean {
  return (
    input.autoLogin &&
    input.loginUrl !== null &&
    isWecomClient(input.userAgent) &&
    errorFor(input.authenticatorName, input.pageSearch) === null &&
    !input.alreadyTried
  );
}
