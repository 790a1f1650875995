import { callbackUrl, eventsUrl, trustedDomain, workbenchHomepage, type Authenticator } from './authenticator';

/** The admin's view: secrets reduced to `…Set` flags, plus the values to paste into WeCom's console. */
export function toAdminView(a: Authenticator) {
  return {
    id: a.id,
    name: a.name,
    title: a.title,
    enabled: a.enabled,
    corpId: a.corpId,
    agentId: a.agentId,
    origin: a.origin,
    bridgeUrl: a.bridgeUrl,
    nocobaseAuthenticator: a.nocobaseAuthenticator,
    autoSignUp: a.autoSignUp,
    autoLogin: a.autoLogin,
    workbenchPath: a.workbenchPath,
    syncCron: a.syncCron,
    provisionOnSync: a.provisionOnSync,
    offboarding: a.offboarding,
    offboardingThresholdPercent: a.offboardingThresholdPercent,
    declaredByEnv: a.declaredByEnv,
    secretSet: Boolean(a.secret),
    contactSecretSet: Boolean(a.contactSecret),
    callbackTokenSet: Boolean(a.callbackToken),
    callbackAesKeySet: Boolean(a.callbackAesKey),
    wecomConsole: {
      /** 网页授权及JS-SDK → 可信域名, and 企业微信授权登录 → 授权回调域. */
      trustedDomain: trustedDomain(a),
      redirectUri: callbackUrl(a),
      /** 应用主页 (workbench homepage). */
      workbenchHomepage: workbenchHomepage(a),
      /** 通讯录同步 → 接收事件服务器 URL. */
      eventsUrl: eventsUrl(a),
    },
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** What a sign-in page may know of an enabled authenticator. */
export function toPublicView(a: Authenticator) {
  return {
    name: a.name,
    title: a.title,
    autoLogin: a.autoLogin,
    loginUrl: `/api/wecom/${a.name}/login`,
    authUrl: `/api/wecom/${a.name}/auth-url`,
  };
}
