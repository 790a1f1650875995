import { AppException, type ErrorStatusTable } from '../common/exceptions/app.exception';

export type WecomErrorCode =
  | 'WECOM_BUSY'
  | 'WECOM_INVALID_SECRET'
  | 'WECOM_INVALID_CORP_ID'
  | 'WECOM_TOKEN_INVALID'
  | 'WECOM_CODE_INVALID'
  | 'WECOM_TICKET_INVALID'
  | 'WECOM_INVALID_PARAMETER'
  | 'WECOM_INVALID_AGENT'
  | 'WECOM_USER_NOT_FOUND'
  | 'WECOM_DEPARTMENT_NOT_FOUND'
  | 'WECOM_NO_PRIVILEGE'
  | 'WECOM_IP_NOT_TRUSTED'
  | 'WECOM_REDIRECT_DOMAIN_UNTRUSTED'
  | 'WECOM_DETAIL_API_FORBIDDEN_FOR_NEW_IP'
  | 'WECOM_API_FORBIDDEN'
  | 'WECOM_APP_DISABLED'
  | 'WECOM_RATE_LIMITED'
  | 'WECOM_RESPONSE_TOO_LARGE'
  | 'WECOM_UNAVAILABLE'
  | 'WECOM_BAD_RESPONSE'
  | 'WECOM_ERROR';

/** An error from WeCom (an errcode, or no usable answer at all). Messages never carry secrets. */
export class WecomException extends AppException<WecomErrorCode> {
  constructor(
    code: WecomErrorCode,
    message: string,
    /** WeCom's errcode; null when WeCom gave no answer we could read. */
    readonly errcode: number | null,
    /** The API path, e.g. `user/get`. */
    readonly api: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(code, message, options);
  }

  /** Worth another attempt with the same inputs (busy, network, 5xx, timeouts). */
  get transient(): boolean {
    return this.code === 'WECOM_BUSY' || this.code === 'WECOM_UNAVAILABLE' || this.code === 'WECOM_BAD_RESPONSE';
  }
}

/**
 * What the admin sees. Login-time problems the member can fix (a stale code) are 400; WeCom
 * refusing our configuration is 502 (the upstream said no); WeCom unreachable or throttling is 503.
 */
export const WECOM_ERROR_STATUS = {
  WECOM_BUSY: 503,
  WECOM_INVALID_SECRET: 502,
  WECOM_INVALID_CORP_ID: 502,
  WECOM_TOKEN_INVALID: 502,
  WECOM_CODE_INVALID: 400,
  WECOM_TICKET_INVALID: 400,
  WECOM_INVALID_PARAMETER: 502,
  WECOM_INVALID_AGENT: 502,
  WECOM_USER_NOT_FOUND: 404,
  WECOM_DEPARTMENT_NOT_FOUND: 404,
  WECOM_NO_PRIVILEGE: 403,
  WECOM_IP_NOT_TRUSTED: 502,
  WECOM_REDIRECT_DOMAIN_UNTRUSTED: 502,
  WECOM_DETAIL_API_FORBIDDEN_FOR_NEW_IP: 502,
  WECOM_API_FORBIDDEN: 502,
  WECOM_APP_DISABLED: 502,
  WECOM_RATE_LIMITED: 503,
  WECOM_RESPONSE_TOO_LARGE: 502,
  WECOM_UNAVAILABLE: 503,
  WECOM_BAD_RESPONSE: 502,
  WECOM_ERROR: 502,
} as const satisfies ErrorStatusTable<WecomErrorCode>;
