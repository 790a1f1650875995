export type OffboardingPolicy = 'ignore' | 'suspend' | 'delete';

/** A WeCom authenticator with its secrets opened (never leaves the process as is). */
export interface Authenticator {
  id: number;
  name: string;
  title: string;
  enabled: boolean;
  corpId: string;
  agentId: string;
  secret: string;
  contactSecret: string | null;
  /** Public URL of the NocoBase app: where logins land. */
  origin: string;
  /** Public URL the bridge is reached at for WeCom redirects; null = origin (bridge behind NocoBase's host). */
  bridgeUrl: string | null;
  /** The NocoBase authenticator named in the hand-off (`?authenticator=`). */
  nocobaseAuthenticator: string;
  autoSignUp: boolean;
  autoLogin: boolean;
  workbenchPath: string;
  callbackToken: string | null;
  callbackAesKey: string | null;
  syncCron: string | null;
  provisionOnSync: boolean;
  offboarding: OffboardingPolicy;
  offboardingThresholdPercent: number;
  declaredByEnv: boolean;
  createdAt: Date;
  updatedAt: Date;
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
