import { AppException, type ErrorStatusTable } from '../common/exceptions/app.exception';

export type SyncErrorCode =
  | 'SYNC_RUN_NOT_FOUND'
  | 'SYNC_NOT_CONFIGURED'
  | 'SYNC_LOCK_HELD'
  | 'CALLBACK_NOT_CONFIGURED'
  | 'CALLBACK_SIGNATURE_INVALID'
  | 'CALLBACK_EXPIRED'
  | 'CALLBACK_MALFORMED';

export const SYNC_ERROR_STATUS = {
  SYNC_RUN_NOT_FOUND: 404,
  SYNC_NOT_CONFIGURED: 400,
  SYNC_LOCK_HELD: 409,
  CALLBACK_NOT_CONFIGURED: 404,
  CALLBACK_SIGNATURE_INVALID: 403,
  CALLBACK_EXPIRED: 403,
  CALLBACK_MALFORMED: 400,
} as const satisfies ErrorStatusTable<SyncErrorCode>;

export class SyncException extends AppException<SyncErrorCode> {}
