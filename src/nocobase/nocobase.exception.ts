import { AppException } from '../common/exceptions/app.exception';

export type NocobaseErrorCode =
  | 'NOT_A_NOCOBASE_DATABASE'
  | 'AMBIGUOUS_NOCOBASE_SCHEMA'
  | 'NOCOBASE_COLUMN_MISSING'
  | 'NOCOBASE_FEATURE_UNAVAILABLE'
  | 'NOCOBASE_API_UNAVAILABLE'
  | 'NOCOBASE_API_ERROR'
  | 'NOCOBASE_SESSION_INVALID';

export class NocobaseException extends AppException<NocobaseErrorCode> {
  constructor(code: NocobaseErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

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
