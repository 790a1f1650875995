import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AppException } from '../../common/exceptions/app.exception';
import { Metrics } from '../../metrics/metrics';
import { NocobaseSessionService } from '../../nocobase/nocobase-session.service';
import { NocobaseUsersRepository } from '../../nocobase/nocobase-users.repository';
import { WecomClientFactory } from '../../wecom/wecom-client.factory';
import type { Authenticator } from '../authenticators/authenticator';
import { callbackUrl, trustedDomain } from '../authenticators/authenticator';
import { AuthException } from '../auth.exception';
import { AuthenticatorsService } from '../authenticators/authenticators.service';
import type { LoginAuditEntry } from './login-audit.repository';
import { LoginAuditService } from './login-audit.service';
import { LoginPolicyService, type LoginOutcome, type WecomIdentity, type WecomMemberReader } from './login-policy.service';
import { LoginFailure } from './login-failure';
import { LoginStateService, STATE_TTL_SECONDS } from './login-state.service';
import { WecomThrottle } from '../wecom-throttle';
import { appendQuery, isWecomClient, safeRedirectPath, wecomAuthorizeUrl } from './wecom-login-urls';

export interface LoginStart {
  url: string;
  cookie: { name: string; value: string; maxAgeMs: number; secure: boolean };
}

export interface CallbackRequest {
  name: string;
  code: string | undefined;
  state: string | undefined;
  cookies: Record<string, string | undefined>;
  userAgent: string | undefined;
  ip: string | undefined;
  requestId: string | undefined;
}

export interface CompletedLogin extends LoginOutcome {
  authenticator: Authenticator;
  redirect: string;
  nonceCookie: string;
  /** performance.now() when the callback arrived (the callback latency metric ends at the hand-off). */
  startedAt: number;
}

/** The login flow around the policy: where to send the browser, and what a callback proves. */
@Injectable()
export class LoginService {
  private readonly logger = new Logger(LoginService.name);

  constructor(
    private readonly authenticators: AuthenticatorsService,
    private readonly states: LoginStateService,
    private readonly policy: LoginPolicyService,
    private readonly audit: LoginAuditService,
    private readonly sessions: NocobaseSessionService,
    private readonly users: NocobaseUsersRepository,
    private readonly wecom: WecomClientFactory,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly throttle: WecomThrottle,
  ) {}

  /** `rawRedirect` as the query parser left it: a string, or an array or object when the caller sent odd input. */
  async begin(authenticator: Authenticator, rawRedirect: unknown, userAgent: string | undefined): Promise<LoginStart> {
    const redirect = safeRedirectPath(rawRedirect, authenticator.workbenchPath);
    if (redirect === null) {
      throw new AuthException('INVALID_REDIRECT', `redirect must be a path on ${authenticator.origin}, such as /admin`);
    }
    this.throttle.loginStarted(authenticator.id);
    const { state, nonce, cookieName } = await this.states.create(authenticator.id, redirect);
    return {
      url: wecomAuthorizeUrl(authenticator, state, isWecomClient(userAgent), this.config.wecom),
      cookie: { name: cookieName, value: nonce, maxAgeMs: STATE_TTL_SECONDS * 1000, secure: callbackUrl(authenticator).startsWith('https:') },
    };
  }

  /** Proves the callback (state, browser, code) and resolves the member; every decision is audited. */
  async complete(req: CallbackRequest): Promise<CompletedLogin> {
    const startedAt = performance.now();
    const inClient = isWecomClient(req.userAgent);
    const authenticator = await this.authenticators.getEnabled(req.name);
    let identity: WecomIdentity | null = null;
    let redirect: string | undefined;
    try {
      const consumed = await this.states.consume(req.state, req.cookies, authenticator.id);
      redirect = consumed.redirect;
      if (!req.code) {
        throw new AuthException(
          'LOGIN_DENIED',
          inClient
            ? 'WeCom did not share your mobile number: the authorization was refused or cancelled. Open the app again and allow (允许) sharing your mobile number, which is how your NocoBase account is found'
            : 'the WeCom login was cancelled or not authorised',
        );
      }
      const client = this.wecom.forCredentials(authenticator.corpId, authenticator.secret);
      const info = await client.getUserInfoByCode(req.code, { redirectDomain: trustedDomain(authenticator) });
      identity = { userid: info.userid ?? null, userTicket: info.userTicket ?? null, inClient };
      const outcome = await this.policy.resolve(authenticator, identity, this.memberReader(authenticator));
      // Queued: a success needs no reference, so its row is written with others, off the member's path.
      await this.audit.succeeded(
        this.entry(authenticator, identity, inClient, req, { outcome: 'succeeded', code: outcome.decision, message: null, nocobaseUserId: outcome.user.id }),
      );
      return { ...outcome, authenticator, redirect, nonceCookie: consumed.cookieName, startedAt };
    } catch (error) {
      const refused = error instanceof AppException;
      // The audit row keeps the detail; the member gets a plain message with its id as the reference, so it is written now.
      const reference = await this.audit
        .refused(
          this.entry(authenticator, identity, inClient, req, {
            outcome: refused ? 'refused' : 'failed',
            code: refused ? error.code : 'INTERNAL_ERROR',
            message: (error as Error).message,
            nocobaseUserId: null,
          }),
        )
        .catch((e) => {
          this.logger.error(`could not audit a login failure: ${(e as Error).message}`);
          return null;
        });
      if (!refused) this.logger.error(`login through ${authenticator.name} failed (reference ${reference})`, (error as Error).stack);
      this.count(authenticator, refused ? 'refused' : 'failed', refused ? error.code : 'INTERNAL_ERROR', startedAt);
      throw new LoginFailure(authenticator, redirect, error, reference);
    }
  }

  /** `<origin><redirect>?authenticator=<NocoBase authenticator>&token=<NocoBase session>`, as NocoBase's own SSO does. */
  async handoffUrl(login: CompletedLogin): Promise<string> {
    // Independent writes (the session, the user's link to the authenticator): side by side.
    const [{ token }] = await Promise.all([
      this.sessions.mint(login.user.id, login.authenticator.nocobaseAuthenticator),
      this.users.linkAuthenticator(login.user.id, login.authenticator.nocobaseAuthenticator, login.binding.wecomUserid, login.user.nickname),
    ]);
    this.count(login.authenticator, 'succeeded', login.decision, login.startedAt);
    return appendQuery(`${login.authenticator.origin}${login.redirect}`, { authenticator: login.authenticator.nocobaseAuthenticator, token });
  }

  private count(authenticator: Authenticator, outcome: 'succeeded' | 'refused' | 'failed', code: string, startedAt: number): void {
    this.metrics.logins.inc({ authenticator: authenticator.name, outcome, code });
    this.metrics.loginCallbackSeconds.observe({ authenticator: authenticator.name, outcome }, (performance.now() - startedAt) / 1000);
  }

  private memberReader(authenticator: Authenticator): WecomMemberReader {
    const client = this.wecom.forCredentials(authenticator.corpId, authenticator.secret);
    return {
      userDetail: async (ticket) => {
        const detail = await client.getUserDetail(ticket);
        return { mobile: detail.mobile || null, email: detail.email || detail.biz_mail || null };
      },
      memberName: async (userid) => {
        try {
          return (await client.getUser(userid, { interactive: true })).name || null;
        } catch (error) {
          this.logger.warn(`could not read the name of ${userid}, using the userid: ${(error as Error).message}`);
          return null;
        }
      },
    };
  }

  private entry(
    authenticator: Authenticator,
    identity: WecomIdentity | null,
    inClient: boolean,
    req: CallbackRequest,
    result: { outcome: 'succeeded' | 'refused' | 'failed'; code: string; message: string | null; nocobaseUserId: number | null },
  ): LoginAuditEntry {
    return {
      authenticatorId: authenticator.id,
      wecomUserid: identity?.userid ?? null,
      inClient,
      ip: req.ip ?? null,
      userAgent: req.userAgent ?? null,
      requestId: req.requestId ?? null,
      ...result,
    };
  }
}
