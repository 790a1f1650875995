import { BaseAuth, type AuthConfig } from '@nocobase/auth';
import { Plugin } from '@nocobase/server';
import { AUTH_TYPE, AUTH_TYPE_TITLE, publicOptions, type WecomBridgeOptions } from '../shared/options';

/** Shown when something tries a password-style `auth:signIn` against this authenticator. */
export const USE_THE_BUTTON = '请使用登录页上的「企业微信登录」按钮登录。Use the WeCom button on the sign-in page to sign in.';

/**
 * Sessions for this authenticator are minted by wecom-bridge (an `issuedTokens` row and a JWT signed with NocoBase's
 * secret, `authenticator` = this authenticator's name). Extending BaseAuth is what makes NocoBase check, renew and
 * end them as its own: a request with `X-Authenticator: <name>` builds this class and runs BaseAuth's `check()`.
 */
export class WecomBridgeAuth extends BaseAuth {
  constructor(config: AuthConfig) {
    super({ ...config, userCollection: config.ctx.db.getCollection('users') });
  }

  /** Only the bridge signs members in; NocoBase turns this into a 401 with the message. */
  override async validate(): Promise<never> {
    throw Object.assign(new Error(USE_THE_BUTTON), { status: 401 });
  }
}

export class WecomBridgeServer extends Plugin {
  override async load() {
    this.app.authManager.registerTypes(AUTH_TYPE, {
      auth: WecomBridgeAuth,
      title: AUTH_TYPE_TITLE,
      // The sign-in page sees only this (authenticators:publicList); nothing in options is secret, but nothing else goes.
      getPublicOptions: (options: WecomBridgeOptions) => publicOptions(options),
    });
  }
}

export default WecomBridgeServer;
