import type { DeclaredAuthenticator, OffboardingPolicy } from '../../config/app-config';

export type { OffboardingPolicy };

/** A WeCom authenticator with its secrets opened (never leaves the process as is). */
export interface Authenticator extends DeclaredAuthenticator {
  id: number;
  enabled: boolean;
  declaredByEnv: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** An authenticator's name: a URL path segment of lowercase letters, digits, - and _ (the database checks the same). */
export const AUTHENTICATOR_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function isAuthenticatorName(name: unknown): name is string {
  return typeof name === 'string' && AUTHENTICATOR_NAME.test(name);
}

/** Where WeCom sends the member back after authorizing. Its host[:port] is the app's trusted domain. */
export function callbackUrl(a: Pick<Authenticator, 'name' | 'origin' | 'bridgeUrl'>): string {
  return `${a.bridgeUrl ?? a.origin}/api/wecom/${a.name}/callback`;
}

export function trustedDomain(a: Pick<Authenticator, 'name' | 'origin' | 'bridgeUrl'>): string {
  return new URL(callbackUrl(a)).host;
}

/** The link an admin sets as the app's workbench homepage. */
export function workbenchHomepage(a: Pick<Authenticator, 'name' | 'origin' | 'bridgeUrl' | 'autoLogin' | 'workbenchPath'>): string {
  const base = `${a.bridgeUrl ?? a.origin}/api/wecom`;
  return a.autoLogin ? `${base}/auto-login` : `${base}/${a.name}/login?redirect=${encodeURIComponent(a.workbenchPath)}`;
}

export function eventsUrl(a: Pick<Authenticator, 'name' | 'origin' | 'bridgeUrl'>): string {
  return `${a.bridgeUrl ?? a.origin}/api/wecom/${a.name}/events`;
}
