import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { NocobaseApiClient } from './nocobase-api.client';
import { NocobaseException } from './nocobase.exception';
import { NocobaseSessionsRepository, type TokenPolicy } from './nocobase-sessions.repository';
import { NocobaseUsersRepository } from './nocobase-users.repository';
import { NocobaseSchema } from './schema/nocobase-schema';

export interface MintedSession {
  token: string;
  jti: string;
  expiresAt: Date;
}

export interface VerifiedSession {
  userId: number;
  roles: string[];
}

export interface Revocation {
  revoked: number;
  failed: number;
}

/** How long a twin token used only to sign a session out lives. */
const TWIN_TTL_SECONDS = 60;
const LEGACY_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
const REFRESH_CONCURRENCY = 8;
/**
 * How long NocoBase's token policy is reused. A change made in NocoBase binds its own checks at once (it
 * measures a token's age against its current policy, not the token's exp), so a stale copy only shapes
 * the exp claim of the tokens minted in these seconds.
 */
export const TOKEN_POLICY_TTL_MS = 5_000;
/** NocoBase's fallback authenticator name when a request names none (§3.4). */
const DEFAULT_AUTHENTICATOR = 'basic';

/**
 * NocoBase sessions from outside NocoBase, as verified against a running 2.2 (nocobase.md ★):
 * mint = an issuedTokens row + an HS256 JWT `{userId, temp, iat, signInTime, jti, exp}` with
 * NocoBase's secret; verify = NocoBase's own checks; revoke = `auth:signOut` with a twin token
 * per session, because a blacklist row written by SQL is invisible to a running NocoBase.
 */
@Injectable()
export class NocobaseSessionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(NocobaseSessionService.name);
  private policy: { readAt: number; value: Promise<TokenPolicy> } | null = null;
  /**
   * NocoBase's secret as a key object, made once: given a string or Buffer, jsonwebtoken first tries to parse
   * it as a PEM private key on every sign and verify, and the exception it catches was the login's largest CPU cost.
   */
  private readonly secret: KeyObject;

  constructor(
    private readonly repo: NocobaseSessionsRepository,
    private readonly users: NocobaseUsersRepository,
    private readonly api: NocobaseApiClient,
    private readonly schema: NocobaseSchema,
    config: AppConfig,
  ) {
    const secret = config.nocobase.jwtSecret;
    this.secret = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  }

  onApplicationBootstrap(): void {
    if (!this.api.configured) {
      this.logger.warn(
        'NOCOBASE_URL is not set: sessions cannot be ended at once (offboarding suspends bindings and roles but the member stays signed in until the token expires). Set NOCOBASE_URL to the address the bridge reaches NocoBase at.',
      );
    }
  }

  async mint(userId: number, authenticator: string): Promise<MintedSession> {
    if (!this.schema.features.issuedTokens) return this.mintLegacy(userId);
    const policy = await this.tokenPolicy();
    const now = Date.now();
    const jti = randomUUID();
    await this.repo.insertIssuedToken({ id: randomUUID(), jti, userId, signInTime: now, issuedTime: now, authenticator });
    const iat = Math.floor(now / 1000);
    const token = jwt.sign({ userId, temp: true, iat, signInTime: now }, this.secret, {
      algorithm: 'HS256',
      jwtid: jti,
      expiresIn: Math.floor(policy.tokenExpirationMs / 1000),
    });
    return { token, jti, expiresAt: new Date((iat + Math.floor(policy.tokenExpirationMs / 1000)) * 1000) };
  }

  /** NocoBase's token policy, read at most once per TOKEN_POLICY_TTL_MS (and once at a time). */
  private tokenPolicy(): Promise<TokenPolicy> {
    if (this.policy && Date.now() - this.policy.readAt < TOKEN_POLICY_TTL_MS) return this.policy.value;
    const entry = { readAt: Date.now(), value: this.repo.tokenPolicy() };
    this.policy = entry;
    entry.value.catch(() => {
      if (this.policy === entry) this.policy = null;
    });
    return entry.value;
  }

  /** NocoBase < 1.6 had no issuedTokens: a session was a plain `{ userId, temp }` JWT valid 7 days. */
  private mintLegacy(userId: number): MintedSession {
    const token = jwt.sign({ userId, temp: true }, this.secret, { algorithm: 'HS256', expiresIn: LEGACY_TOKEN_TTL_SECONDS });
    return { token, jti: '', expiresAt: new Date(Date.now() + LEGACY_TOKEN_TTL_SECONDS * 1000) };
  }

  /** NocoBase's checks: signature, expiry, issued and not blacklisted, session age, user exists. */
  async verify(token: string): Promise<VerifiedSession> {
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw invalid(expired ? 'the NocoBase token has expired; sign in again' : 'the token is not a NocoBase session signed with NOCOBASE_JWT_SECRET');
    }
    const userId = Number(payload.userId);
    if (!Number.isInteger(userId) || payload.temp !== true) throw invalid('the token is not a NocoBase session token');
    if (this.schema.features.issuedTokens) {
      if (!payload.jti) throw invalid('the token is not a NocoBase session token');
      const issued = await this.repo.issuedToken(payload.jti);
      if (!issued || issued.userId !== userId) throw invalid('the session is unknown to NocoBase (signed out or renewed)');
      const policy = await this.tokenPolicy();
      if (Date.now() - Number(payload.signInTime ?? issued.signInTime) > policy.sessionExpirationMs)
        throw invalid('the NocoBase session has expired; sign in again');
    }
    if (await this.repo.isBlacklisted(payload.jti ?? token)) throw invalid('the session was signed out');
    const roles = await this.users.rolesOf(userId);
    if (!roles) throw invalid('the user of this session no longer exists');
    return { userId, roles };
  }

  /**
   * Ends every session of the user at once: a twin token (same jti) per session, signed out
   * through NocoBase's API, which blacklists the jti inside the running NocoBase.
   */
  async revokeAll(userId: number): Promise<Revocation> {
    if (!this.api.configured)
      throw new NocobaseException('NOCOBASE_API_UNAVAILABLE', "NOCOBASE_URL is not set, so sessions cannot be ended through NocoBase's API");
    const policy = await this.tokenPolicy();
    if (!this.schema.features.issuedTokens) {
      throw new NocobaseException(
        'NOCOBASE_FEATURE_UNAVAILABLE',
        'this NocoBase (< 1.6) keeps no record of sessions, so they cannot be ended one by one; upgrade NocoBase',
      );
    }
    const sessions = await this.repo.sessionsOf(userId, Date.now() - policy.sessionExpirationMs);
    const result: Revocation = { revoked: 0, failed: 0 };
    for (const s of sessions) {
      const twin = jwt.sign({ userId, temp: true, signInTime: s.signInTime }, this.secret, {
        algorithm: 'HS256',
        jwtid: s.jti,
        expiresIn: TWIN_TTL_SECONDS,
      });
      // The session's own authenticator; NocoBase falls back to an enabled one for an unknown name
      // (nocobase.md ★), and any BaseAuth authenticator checks any session token (§3.4).
      if (await this.api.signOut(twin, s.authenticator || DEFAULT_AUTHENTICATOR, userId)) result.revoked += 1;
      else result.failed += 1;
    }
    return result;
  }

  /**
   * Makes a running NocoBase forget what it cached about these users (the user row and its roles,
   * which SQL changes do not reach): signing out a throwaway session of the user drops both caches
   * (BaseAuth.signOut). Without NOCOBASE_URL nothing can be done; NocoBase then shows the changes
   * when its cache entry expires or it restarts.
   */
  async refreshCached(userIds: number[]): Promise<{ refreshed: number; failed: number }> {
    const result = { refreshed: 0, failed: 0 };
    if (!this.api.configured || !userIds.length) return { refreshed: 0, failed: this.api.configured ? 0 : userIds.length };
    let next = 0;
    const worker = async () => {
      while (next < userIds.length) {
        const userId = userIds[next++];
        const jti = randomUUID();
        const now = Date.now();
        if (this.schema.features.issuedTokens) {
          await this.repo.insertIssuedToken({ id: randomUUID(), jti, userId, signInTime: now, issuedTime: now, authenticator: DEFAULT_AUTHENTICATOR });
        }
        const token = jwt.sign({ userId, temp: true, signInTime: now }, this.secret, {
          algorithm: 'HS256',
          jwtid: jti,
          expiresIn: TWIN_TTL_SECONDS,
        });
        if (await this.api.signOut(token, DEFAULT_AUTHENTICATOR, userId)) result.refreshed += 1;
        else result.failed += 1;
        if (this.schema.features.issuedTokens) await this.repo.deleteIssuedToken(jti).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: Math.min(REFRESH_CONCURRENCY, userIds.length) }, worker));
    return result;
  }
}

function invalid(message: string): NocobaseException {
  return new NocobaseException('NOCOBASE_SESSION_INVALID', message);
}
