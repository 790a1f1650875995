import { AppException } from '../common/exceptions/app.exception';
import { registerErrorStatuses } from '../common/http/error-status';

export const SYNC_ERROR_STATUS = {
  SYNC_RUN_NOT_FOUND: 404,
  SYNC_NOT_CONFIGURED: 400,
  SYNC_LOCK_HELD: 409,
  CALLBACK_NOT_CONFIGURED: 404,
  CALLBACK_SIGNATURE_INVALID: 403,
  CALLBACK_MALFORMED: 400,
} as const;
registerErrorStatuses(SYNC_ERROR_STATUS);

export type SyncErrorCode = keyof typeof SYNC_ERROR_STATUS;

export class SyncException extends AppException<SyncErrorCode> {
  constructor(code: SyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
