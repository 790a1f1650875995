import { AppException, type ErrorStatusTable } from '../common/exceptions/app.exception';

export type AuthErrorCode =
  | 'AUTHENTICATOR_NOT_FOUND'
  | 'AUTHENTICATOR_EXISTS'
  | 'AUTHENTICATOR_DECLARED_BY_ENV'
  | 'AUTO_LOGIN_TAKEN'
  | 'NO_AUTO_LOGIN_AUTHENTICATOR'
  | 'INVALID_REDIRECT'
  | 'INVALID_STATE'
  | 'LOGIN_DENIED'
  | 'FIRST_LOGIN_IN_CLIENT'
  | 'NO_ACCOUNT'
  | 'NOT_A_MEMBER'
  | 'PHONE_NOT_SHARED'
  | 'PHONE_CONFLICT'
  | 'BINDING_SUSPENDED'
  | 'BINDING_NOT_FOUND'
  | 'ADMIN_AUTH_REQUIRED'
  | 'ADMIN_FORBIDDEN';

/** Every refusal the login flow and the authenticator admin can produce, each with its status. */
export const AUTH_ERROR_STATUS = {
  AUTHENTICATOR_NOT_FOUND: 404,
  AUTHENTICATOR_EXISTS: 409,
  AUTHENTICATOR_DECLARED_BY_ENV: 409,
  AUTO_LOGIN_TAKEN: 400,
  NO_AUTO_LOGIN_AUTHENTICATOR: 404,
  INVALID_REDIRECT: 400,
  INVALID_STATE: 400,
  LOGIN_DENIED: 403,
  FIRST_LOGIN_IN_CLIENT: 403,
  NO_ACCOUNT: 403,
  NOT_A_MEMBER: 403,
  PHONE_NOT_SHARED: 403,
  PHONE_CONFLICT: 409,
  BINDING_SUSPENDED: 403,
  BINDING_NOT_FOUND: 404,
  ADMIN_AUTH_REQUIRED: 401,
  ADMIN_FORBIDDEN: 403,
} as const satisfies ErrorStatusTable<AuthErrorCode>;

export class AuthException extends AppException<AuthErrorCode> {
  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
