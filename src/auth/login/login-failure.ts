import { AppException } from '../../common/exceptions/app.exception';
import type { Authenticator } from '../authenticators/authenticator';

/** Refusals whose own message is written for the member: what happened and what to do, nothing about anyone else. */
const MEMBER_FACING = new Set([
  'INVALID_STATE',
  'LOGIN_DENIED',
  'FIRST_LOGIN_IN_CLIENT',
  'NO_ACCOUNT',
  'NOT_A_MEMBER',
  'PHONE_NOT_SHARED',
  'PHONE_UNUSABLE',
  'BINDING_SUSPENDED',
]);

/**
 * What a member reads instead of a message written for administrators: WeCom's errmsg names the
 * server's egress IP and the corp, a phone conflict names other members and user ids. The detail
 * stays in the login audit, under the reference the member is given.
 */
const MEMBER_MESSAGES: Record<string, string> = {
  PHONE_CONFLICT: 'your mobile number is linked to more than one account, so none was chosen; ask an administrator',
  PROTECTED_ACCOUNT: 'this account can only be linked to WeCom by an administrator; ask an administrator to link it',
  WECOM_CODE_INVALID: 'the WeCom sign-in expired or was already used; start it again',
  WECOM_TICKET_INVALID: 'the WeCom sign-in expired or was already used; start it again',
  WECOM_RATE_LIMITED: 'WeCom is busy; try again in a minute',
  WECOM_BUSY: 'WeCom is busy; try again in a minute',
  WECOM_UNAVAILABLE: 'WeCom could not be reached; try again in a minute',
  WECOM_USER_NOT_FOUND: "your WeCom account is outside this app's visible range; ask an administrator",
  WECOM_NO_PRIVILEGE: "your WeCom account is outside this app's visible range; ask an administrator",
};
const FALLBACK = 'the WeCom sign-in is not working right now; ask an administrator';
/** What a member's own browser does not send: a state this bridge never issued (or already used), a code WeCom never gave. */
const FORGED = new Set(['INVALID_STATE', 'WECOM_CODE_INVALID', 'WECOM_TICKET_INVALID']);

/** A failed callback, with what is needed to send the member somewhere useful. */
export class LoginFailure extends Error {
  constructor(
    readonly authenticator: Authenticator,
    readonly redirect: string | undefined,
    override readonly cause: unknown,
    /** The login audit row that holds the detail; null when it could not be written. */
    readonly reference: number | null,
  ) {
    super(memberMessage(cause, reference));
  }

  get code(): string {
    return this.cause instanceof AppException ? this.cause.code : 'INTERNAL_ERROR';
  }

  /** Counted against the caller's address by the throttle; a genuine member's refusals are not. */
  get forged(): boolean {
    return FORGED.has(this.code);
  }

  get retryAfterSeconds(): number | undefined {
    return this.cause instanceof AppException ? this.cause.retryAfterSeconds : undefined;
  }
}

export function memberMessage(cause: unknown, reference: number | null): string {
  const code = cause instanceof AppException ? cause.code : 'INTERNAL_ERROR';
  const text = MEMBER_FACING.has(code) ? (cause as AppException).message : (MEMBER_MESSAGES[code] ?? FALLBACK);
  return reference === null ? text : `${text} (reference ${reference})`;
}
