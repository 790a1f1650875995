import { AppException } from '../../common/exceptions/app.exception';
import type { Authenticator } from '../authenticators/authenticator';

/** A failed callback, with what is needed to send the member somewhere useful. */
export class LoginFailure extends Error {
  constructor(
    readonly authenticator: Authenticator,
    readonly redirect: string | undefined,
    override readonly cause: unknown,
  ) {
    super(cause instanceof AppException ? cause.message : 'the login failed because of an internal error; try again or ask an administrator');
  }

  get code(): string {
    return this.cause instanceof AppException ? this.cause.code : 'INTERNAL_ERROR';
  }
}
