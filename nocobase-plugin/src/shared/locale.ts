/**
 * Our texts in English and Chinese, bundled (no server round trip, no i18next key-separator surprises); the
 * language is NocoBase's current one. English is the key.
 */
const zhCN: Record<string, string> = {
  'Sign in with WeCom': '企业微信登录',
  'WeCom login is not configured yet: the bridge URL is missing. Ask an administrator.': '企业微信登录尚未配置（缺少 bridge 地址），请联系管理员。',
  'WeCom login failed': '企业微信登录失败',
  'Opening WeCom login…': '正在打开企业微信登录…',
  'Bridge URL': 'Bridge 地址',
  'The public URL of wecom-bridge as browsers reach it, e.g. https://nocobase.example.com when the bridge is served under /api/wecom/ on this domain, or https://wecom.example.com.':
    'wecom-bridge 的公网地址（浏览器访问的地址），例如 bridge 以 /api/wecom/ 挂在本域名下时填 https://nocobase.example.com，或 https://wecom.example.com。',
  'Bridge authenticator': 'Bridge 认证器名称',
  'The name of the authenticator on the bridge (WECOM_AUTHENTICATOR_NAME, default wecom).': 'bridge 上认证器的名称（WECOM_AUTHENTICATOR_NAME，默认 wecom）。',
  'Sign in automatically inside the WeCom client': '在企业微信客户端内自动登录',
  'Inside the WeCom client the sign-in page goes to WeCom by itself (once per tab, so a refusal does not loop).':
    '在企业微信客户端内打开登录页时自动跳转企业微信登录（每个标签页一次，登录被拒不会反复跳转）。',
  Check: '检查',
  'Enter the bridge URL as http(s)://host[:port].': '请以 http(s)://主机[:端口] 的形式填写 bridge 地址。',
  'Connected: the bridge serves “{{title}}” and it is enabled.': '连接正常：bridge 上的“{{title}}”已启用。',
  'The bridge builds its login URL as {{actual}}, not {{expected}}: check the bridge URL here and WECOM_BRIDGE_URL on the bridge.':
    'bridge 生成的登录地址是 {{actual}}，而不是 {{expected}}：请核对此处的 bridge 地址与 bridge 的 WECOM_BRIDGE_URL。',
  'The bridge has “{{name}}”, but it is disabled. Enable it on the bridge (PATCH /api/admin/authenticators/{{name}} with enabled: true).':
    'bridge 上的“{{name}}”已停用。请在 bridge 上启用（PATCH /api/admin/authenticators/{{name}}，enabled: true）。',
  'The bridge has no authenticator named “{{name}}”. Check the name (GET /api/wecom/authenticators on the bridge lists them).':
    'bridge 上没有名为“{{name}}”的认证器。请核对名称（bridge 的 GET /api/wecom/authenticators 会列出全部）。',
  'This browser cannot reach the bridge at {{url}} ({{detail}}). Check the URL, that the bridge is running, and that the bridge allows this NocoBase origin (WECOM_ORIGIN, for CORS).':
    '浏览器无法访问 bridge：{{url}}（{{detail}}）。请检查地址、bridge 是否在运行，以及 bridge 是否允许本 NocoBase 的来源（WECOM_ORIGIN，CORS）。',
  'The bridge answered unexpectedly at {{url}}: {{detail}}.': 'bridge 返回了意外的结果（{{url}}）：{{detail}}。',
  'Checking…': '检查中…',
};

export type Translate = (text: string, vars?: Record<string, string>) => string;

/** A translator over one dictionary of Chinese texts keyed by their English. */
export function translatorFor(chinese: Record<string, string>): (language: string | undefined) => Translate {
  return (language) => {
    const dict = language && /^zh\b/i.test(language) ? chinese : {};
    return (text, vars = {}) => (dict[text] ?? text).replace(/\{\{(\w+)\}\}/g, (m, k: string) => (k in vars ? vars[k] : m));
  };
}

export const translator = translatorFor(zhCN);

/** Every English key has a Chinese text (the unit spec checks it). */
export const CHINESE_KEYS = Object.keys(zhCN);
