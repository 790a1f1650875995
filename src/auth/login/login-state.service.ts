import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SecretBox } from '../../common/crypto/secret-box';
import { AuthException } from '../auth.exception';
import { LoginStateRepository } from './login-state.repository';

export const STATE_TTL_SECONDS = 600;
const ID_LENGTH = 32;

/**
 * OAuth `state`: a random id plus its HMAC, in [a-z0-9] only and 64 characters, as WeCom
 * requires (a-zA-Z0-9, ≤ 128 bytes). It is stored with the hash of a nonce that lives in an
 * HttpOnly cookie, so a state is single-use, expires in 10 minutes and only completes in the
 * browser that started the login.
 */
@Injectable()
export class LoginStateService {
  constructor(
    private readonly repository: LoginStateRepository,
    private readonly box: SecretBox,
  ) {}

  async create(authenticatorId: number, redirect: string): Promise<{ state: string; nonce: string; cookieName: string }> {
    const id = randomBytes(ID_LENGTH / 2).toString('hex');
    const nonce = randomBytes(24).toString('base64url');
    await this.repository.insert({ id, authenticatorId, nonceHash: hash(nonce), redirect, ttlSeconds: STATE_TTL_SECONDS });
    return { state: id + this.signatures(id)[0], nonce, cookieName: nonceCookieName(id) };
  }

  /** Returns the redirect path the login started with; refuses anything else, consuming nothing it cannot verify. */
  async consume(
    state: string | undefined,
    cookies: Record<string, string | undefined>,
    authenticatorId: number,
  ): Promise<{ redirect: string; cookieName: string }> {
    if (!state || !/^[0-9a-f]{64}$/.test(state)) throw invalid('the login request is missing its state or it is malformed');
    const id = state.slice(0, ID_LENGTH);
    const given = Buffer.from(state.slice(ID_LENGTH));
    // Any key's signature: a login started just before a key rotation still completes.
    if (!this.signatures(id).some((s) => timingSafeEqual(given, Buffer.from(s)))) {
      throw invalid('the login state was not issued by this bridge');
    }
    const cookieName = nonceCookieName(id);
    const stored = await this.repository.consume(id);
    if (!stored) throw invalid('this login link was already used or is unknown; start the login again');
    if (stored.expired) throw invalid('the login took longer than 10 minutes; start it again');
    if (stored.authenticatorId !== authenticatorId) throw invalid('the login state belongs to another authenticator');
    const nonce = cookies[cookieName];
    if (!nonce || hash(nonce) !== stored.nonceHash) {
      throw invalid('the login was started in another browser (or cookies are blocked); start it again in this one');
    }
    return { redirect: stored.redirect, cookieName };
  }

  /** The state's signature under each key, current first: hex, so the state stays [a-z0-9]. */
  private signatures(id: string): string[] {
    return this.box.signatures(`login-state:${id}`).map((signature) =>
      createHash('sha256')
        .update(signature)
        .digest('hex')
        .slice(0, 64 - ID_LENGTH),
    );
  }
}

export function nonceCookieName(stateId: string): string {
  return `wecom_bridge_nonce_${stateId.slice(0, 12)}`;
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function invalid(message: string): AuthException {
  return new AuthException('INVALID_STATE', message);
}
