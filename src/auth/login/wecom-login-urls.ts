import { localPath } from '../../common/http/local-path';
import type { Authenticator } from '../authenticators/authenticator';
import { callbackUrl } from '../authenticators/authenticator';

/**
 * The WeCom client's webview carries `wxwork/<version>` (and also MicroMessenger, which plain
 * WeChat has too, so only wxwork counts).
 */
export function isWecomClient(userAgent: string | undefined): boolean {
  return /\bwxwork\//i.test(userAgent ?? '');
}

export interface LoginUrlBases {
  oauthBaseUrl: string;
  loginBaseUrl: string;
}

/**
 * In the WeCom client: OAuth with snsapi_privateinfo (+ agentid, without which WeCom silently
 * degrades to snsapi_base and never shares the phone). Elsewhere: the web login (QR) page.
 */
export function wecomAuthorizeUrl(authenticator: Authenticator, state: string, inClient: boolean, bases: LoginUrlBases): string {
  const redirectUri = callbackUrl(authenticator);
  if (inClient) {
    const q = new URLSearchParams({
      appid: authenticator.corpId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'snsapi_privateinfo',
      state,
      agentid: authenticator.agentId,
    });
    return `${bases.oauthBaseUrl}/connect/oauth2/authorize?${q}#wechat_redirect`;
  }
  const q = new URLSearchParams({
    login_type: 'CorpApp',
    appid: authenticator.corpId,
    agentid: authenticator.agentId,
    redirect_uri: redirectUri,
    state,
    lang: 'zh',
  });
  return `${bases.loginBaseUrl}/wwlogin/sso/login?${q}`;
}

/**
 * A redirect target must be a path on the authenticator's origin: `/admin`, `/m/page?x=1`, given
 * once. Anything that could leave the origin, before or after normalising, is refused (see
 * localPath), which is what closes the open redirect. The fallback (the workbench path) is checked
 * the same way, as it may have been stored before this check existed.
 */
export function safeRedirectPath(raw: unknown, fallback: string): string | null {
  const candidate = raw === undefined || raw === '' ? fallback : raw;
  // A repeated query parameter arrives as an array.
  return typeof candidate === 'string' ? localPath(candidate) : null;
}

/** `<origin>/signin?authenticator=…&error=…&redirect=…`, where NocoBase's sign-in page shows the message. */
export function loginFailureUrl(
  authenticator: Pick<Authenticator, 'origin' | 'nocobaseAuthenticator' | 'workbenchPath'>,
  message: string,
  redirect?: string,
): string {
  return appendQuery(`${authenticator.origin}/signin`, {
    authenticator: authenticator.nocobaseAuthenticator,
    error: message,
    redirect: redirect ?? authenticator.workbenchPath,
  });
}

/** Adds query parameters before any `#fragment`. */
export function appendQuery(url: string, params: Record<string, string>): string {
  const [base, hash] = url.split('#', 2);
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}${new URLSearchParams(params)}${hash !== undefined ? `#${hash}` : ''}`;
}
