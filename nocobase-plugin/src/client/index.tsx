import { Plugin } from '@nocobase/client';
import { SignInButton } from '../shared/SignInButton';
import { AUTH_TYPE } from '../shared/options';
import { AdminSettingsForm } from './AdminSettingsForm';

/** Classic client (`/signin`, `/admin/settings/auth/authenticators`). */
export class WecomBridgeClient extends Plugin {
  override async load() {
    const auth = this.app.pm.get('auth') ?? this.app.pm.get('@nocobase/plugin-auth');
    if (!auth) throw new Error('@wecom-bridge/nocobase-plugin needs the Authentication plugin (@nocobase/plugin-auth) enabled');
    auth.registerType(AUTH_TYPE, { components: { SignInButton, AdminSettingsForm } });
  }
}

export default WecomBridgeClient;
