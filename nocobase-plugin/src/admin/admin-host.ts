import { AUTH_TYPE } from '../shared/options';
import type { NocobaseUserOption } from './BindingsTab';
import type { AdminHost, HostAuthenticator } from './WecomAdminPage';

/** Settings → WeCom: the key of the page (`/admin/settings/wecom-bridge`) and of its ACL snippet (`pm.wecom-bridge`). */
export const SETTINGS_KEY = 'wecom-bridge';
export const SETTINGS_TITLE = 'WeCom (企业微信)';
export const SETTINGS_ICON = 'WechatWorkOutlined';

/** The page's view of NocoBase (HostApiClient: types/host.d.ts), through the signed-in admin's own API client (NocoBase's ACL applies). */
export function adminHost(api: HostApiClient): AdminHost {
  return {
    token: () => api.auth.token,
    // NocoBase renews an expired token on any authenticated request and its client keeps the new one.
    renew: async () => void (await api.request({ url: 'auth:check' })),
    async listAuthenticators() {
      const res = await api.request<{ data: HostAuthenticator[] }>({
        url: 'authenticators:list',
        params: { filter: JSON.stringify({ authType: AUTH_TYPE }), paginate: false, sort: 'sort' },
      });
      return res.data.data;
    },
    async searchUsers(text) {
      const contains = { $includes: text };
      const res = await api.request<{ data: NocobaseUserOption[] }>({
        url: 'users:list',
        params: {
          filter: JSON.stringify({ $or: [{ nickname: contains }, { username: contains }, { email: contains }] }),
          fields: 'id,nickname,username,email',
          pageSize: 20,
        },
      });
      return res.data.data;
    },
  };
}
