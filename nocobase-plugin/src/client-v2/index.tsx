import { Plugin } from '@nocobase/client-v2';
import { SignInButton } from '../shared/SignInButton';
import { AUTH_TYPE } from '../shared/options';
import AdminSettingsForm from './AdminSettingsForm';

/** client-v2 (`/v/signin`): it takes loaders (`() => Promise<{ default }>`), not components. */
export class WecomBridgeClientV2 extends Plugin {
  override async load() {
    const auth = this.app.pm.get('@nocobase/plugin-auth') ?? this.app.pm.get('auth');
    if (!auth) throw new Error('@wecom-bridge/nocobase-plugin needs the Authentication plugin (@nocobase/plugin-auth) enabled');
    auth.registerType(AUTH_TYPE, {
      signInButtonLoader: async () => ({ default: SignInButton }),
      adminSettingsFormLoader: async () => ({ default: AdminSettingsForm }),
    });
  }
}

export default WecomBridgeClientV2;
