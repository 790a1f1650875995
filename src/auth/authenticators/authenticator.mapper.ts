import { callbackUrl, eventsUrl, trustedDomain, workbenchHomepage, type Authenticator } from './authenticator';

/** The admin's view: secrets reduced to `…Set` flags, plus the values to paste into WeCom's console. */
export function toAdminView(authenticator: Authenticator) {
  return {
    id: authenticator.id,
    name: authenticator.name,
    title: authenticator.title,
    enabled: authenticator.enabled,
    corpId: authenticator.corpId,
    agentId: authenticator.agentId,
    origin: authenticator.origin,
    bridgeUrl: authenticator.bridgeUrl,
    nocobaseAuthenticator: authenticator.nocobaseAuthenticator,
    autoSignUp: authenticator.autoSignUp,
    autoLogin: authenticator.autoLogin,
    workbenchPath: authenticator.workbenchPath,
    syncCron: authenticator.syncCron,
    provisionOnSync: authenticator.provisionOnSync,
    offboarding: authenticator.offboarding,
    offboardingThresholdPercent: authenticator.offboardingThresholdPercent,
    declaredByEnv: authenticator.declaredByEnv,
    secretSet: Boolean(authenticator.secret),
    contactSecretSet: Boolean(authenticator.contactSecret),
    callbackTokenSet: Boolean(authenticator.callbackToken),
    callbackAesKeySet: Boolean(authenticator.callbackAesKey),
    wecomConsole: {
      /** 网页授权及JS-SDK → 可信域名, and 企业微信授权登录 → 授权回调域. */
      trustedDomain: trustedDomain(authenticator),
      redirectUri: callbackUrl(authenticator),
      /** 应用主页 (workbench homepage). */
      workbenchHomepage: workbenchHomepage(authenticator),
      /** 通讯录同步 → 接收事件服务器 URL. */
      eventsUrl: eventsUrl(authenticator),
    },
    createdAt: authenticator.createdAt,
    updatedAt: authenticator.updatedAt,
  };
}

/** What a sign-in page may know of an enabled authenticator. */
export function toPublicView(authenticator: Authenticator) {
  return {
    name: authenticator.name,
    title: authenticator.title,
    autoLogin: authenticator.autoLogin,
    loginUrl: `/api/wecom/${authenticator.name}/login`,
    authUrl: `/api/wecom/${authenticator.name}/auth-url`,
  };
}
