import React from 'react';
import { Plugin } from '@nocobase/client-v2';
import { adminHost, SETTINGS_ICON, SETTINGS_KEY, SETTINGS_TITLE } from '../admin/admin-host';
import { WecomAdminPage } from '../admin/WecomAdminPage';
import { SignInButton } from '../shared/SignInButton';
import { AUTH_TYPE } from '../shared/options';
import AdminSettingsForm from './AdminSettingsForm';

/** client-v2 (`/v/signin`, `/v/admin/settings/wecom-bridge`): it takes loaders (`() => Promise<{ default }>`), not components. */
export class WecomBridgeClientV2 extends Plugin {
  override async load() {
    const auth = this.app.pm.get('@nocobase/plugin-auth') ?? this.app.pm.get('auth');
    if (!auth) throw new Error('@wecom-bridge/nocobase-plugin needs the Authentication plugin (@nocobase/plugin-auth) enabled');
    auth.registerType(AUTH_TYPE, {
      signInButtonLoader: async () => ({ default: SignInButton }),
      adminSettingsFormLoader: async () => ({ default: AdminSettingsForm }),
    });
    const host = adminHost(this.app.apiClient);
    this.app.pluginSettingsManager.addMenuItem({ key: SETTINGS_KEY, title: SETTINGS_TITLE, icon: SETTINGS_ICON, aclSnippet: `pm.${SETTINGS_KEY}` });
    this.app.pluginSettingsManager.addPageTabItem({
      menuKey: SETTINGS_KEY,
      key: 'index',
      title: SETTINGS_TITLE,
      componentLoader: async () => ({ default: () => <WecomAdminPage host={host} /> }),
    });
  }
}

export default WecomBridgeClientV2;
