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
 * A redirect target must be a path on the authenticator's origin: `/admin`, `/m/page?x=1`.
 * Anything that could leave the origin (`//evil`, `https://…`, `/\evil`, control characters)
 * is refused, which is what closes the open redirect.
 */
export function safeRedirectPath(raw: unknown, fallback: string): string | null {
  if (raw === undefined || raw === '') return fallback;
  // A repeated or bracketed query parameter arrives as an array or an object.
  if (typeof raw !== 'string') return null;
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return null;
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return null;
  // Resolve against a dummy origin: if it stays on it, the path is local.
  const resolved = new URL(raw, 'http://origin.invalid');
  if (resolved.host !== 'origin.invalid') return null;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
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
