import { AppException, type ErrorStatusTable } from '../common/exceptions/app.exception';

export type NocobaseErrorCode =
  | 'NOT_A_NOCOBASE_DATABASE'
  | 'AMBIGUOUS_NOCOBASE_SCHEMA'
  | 'NOCOBASE_COLUMN_MISSING'
  | 'NOCOBASE_FEATURE_UNAVAILABLE'
  | 'NOCOBASE_API_UNAVAILABLE'
  | 'NOCOBASE_API_ERROR'
  | 'NOCOBASE_SESSION_INVALID';

/** A database that is not NocoBase's stops the start (500s are start-up errors here); a missing plugin is 501. */
export const NOCOBASE_ERROR_STATUS = {
  NOT_A_NOCOBASE_DATABASE: 500,
  AMBIGUOUS_NOCOBASE_SCHEMA: 500,
  NOCOBASE_COLUMN_MISSING: 500,
  NOCOBASE_FEATURE_UNAVAILABLE: 501,
  NOCOBASE_API_UNAVAILABLE: 503,
  NOCOBASE_API_ERROR: 502,
  NOCOBASE_SESSION_INVALID: 401,
} as const satisfies ErrorStatusTable<NocobaseErrorCode>;

export class NocobaseException extends AppException<NocobaseErrorCode> {
  static tableUnavailable(table: string, schema: string): NocobaseException {
    return new NocobaseException(
      'NOCOBASE_FEATURE_UNAVAILABLE',
      `NocoBase table ${table} does not exist in schema ${schema}; the feature that needs it is unavailable (is the plugin that owns it enabled?)`,
    );
  }

  static columnUnavailable(table: string, column: string): NocobaseException {
    return new NocobaseException('NOCOBASE_FEATURE_UNAVAILABLE', `NocoBase table ${table} has no column for ${column} in this NocoBase version`);
  }
}
