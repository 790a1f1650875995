/** The auth type this plugin registers; an authenticator of this type stands for one bridge authenticator. */
export const AUTH_TYPE = 'wecom-bridge';
export const AUTH_TYPE_TITLE = '企业微信 (WeCom)';
/** The package name: NocoBase's i18n namespace for our locale files (dist/locale/<lang>.json). */
export const NAMESPACE = '@wecom-bridge/nocobase-plugin';
export const DEFAULT_BRIDGE_AUTHENTICATOR = 'wecom';

/** What an admin stores in the authenticator's `options` (authenticators:create / the settings form). */
export interface WecomBridgeOptions {
  /** The bridge's public URL, e.g. https://nocobase.example.com (bridge behind /api/wecom/) or https://wecom.example.com. */
  bridgeUrl?: string;
  /** The bridge authenticator's name (`/api/wecom/<name>/login`). */
  bridgeAuthenticator?: string;
  /** Go to the bridge by itself on the sign-in page inside the WeCom client. */
  autoLogin?: boolean;
}

/** What the sign-in page receives (authenticators:publicList): nothing secret, nothing else. */
export interface WecomBridgePublicOptions {
  /** `<bridgeUrl>/api/wecom/<bridgeAuthenticator>/login`, or null while the bridge URL is not set. */
  loginUrl: string | null;
  bridgeUrl: string | null;
  bridgeAuthenticator: string;
  autoLogin: boolean;
}

/** `https://x.example.com/` → `https://x.example.com`; anything that is not an http(s) URL → null. */
export function normalizeBridgeUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

export function bridgeAuthenticatorName(raw: unknown): string {
  return typeof raw === 'string' && raw.trim() ? raw.trim() : DEFAULT_BRIDGE_AUTHENTICATOR;
}

export function publicOptions(options: WecomBridgeOptions | undefined): WecomBridgePublicOptions {
  const bridgeUrl = normalizeBridgeUrl(options?.bridgeUrl);
  const bridgeAuthenticator = bridgeAuthenticatorName(options?.bridgeAuthenticator);
  return {
    loginUrl: bridgeUrl ? `${bridgeUrl}/api/wecom/${encodeURIComponent(bridgeAuthenticator)}/login` : null,
    bridgeUrl,
    bridgeAuthenticator,
    autoLogin: options?.autoLogin === true,
  };
}
