import React from 'react';
import { Plugin } from '@nocobase/client';
import { adminHost, SETTINGS_ICON, SETTINGS_KEY, SETTINGS_TITLE } from '../admin/admin-host';
import { WecomAdminPage } from '../admin/WecomAdminPage';
import { SignInButton } from '../shared/SignInButton';
import { AUTH_TYPE } from '../shared/options';
import { AdminSettingsForm } from './AdminSettingsForm';

/** Classic client (`/signin`, `/admin/settings/auth/authenticators`, `/admin/settings/wecom-bridge`). */
export class WecomBridgeClient extends Plugin {
  override async load() {
    const auth = this.app.pm.get('auth') ?? this.app.pm.get('@nocobase/plugin-auth');
    if (!auth) throw new Error('@wecom-bridge/nocobase-plugin needs the Authentication plugin (@nocobase/plugin-auth) enabled');
    auth.registerType(AUTH_TYPE, { components: { SignInButton, AdminSettingsForm } });
    const host = adminHost(this.app.apiClient);
    // Root and admin hold pm.* (the admin role's snippets); other roles never see the page, and the bridge refuses their tokens.
    this.app.pluginSettingsManager.add(SETTINGS_KEY, {
      title: SETTINGS_TITLE,
      icon: SETTINGS_ICON,
      Component: () => <WecomAdminPage host={host} />,
      aclSnippet: `pm.${SETTINGS_KEY}`,
    });
  }
}

export default WecomBridgeClient;
