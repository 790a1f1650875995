import type { WecomEmulator } from '../../tools/emulator';

/**
 * The variables that point the bridge's default authenticator at an emulator: every WeCom URL and the
 * corp's credentials (with its contact-sync secret unless `contactSecret: false`, as a login-only app has).
 */
export function emulatorEnv(emu: WecomEmulator, options: { origin?: string; contactSecret?: boolean } = {}): Record<string, string> {
  return {
    WECOM_API_BASE_URL: emu.baseUrl,
    WECOM_OAUTH_BASE_URL: emu.baseUrl,
    WECOM_LOGIN_BASE_URL: emu.baseUrl,
    WECOM_CORP_ID: emu.corpId,
    WECOM_AGENT_ID: String(emu.agentId),
    WECOM_SECRET: emu.secret,
    ...(options.contactSecret === false || !emu.contactSecret ? {} : { WECOM_CONTACT_SECRET: emu.contactSecret }),
    WECOM_ORIGIN: options.origin ?? 'https://nocobase.example.com',
  };
}
