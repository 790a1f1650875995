import { ConfigValidationError } from './config/load-config';
import { AppException } from './common/exceptions/app.exception';

const PG_REASONS: Record<string, string> = {
  '3D000': 'the database does not exist',
  '28P01': 'password authentication failed',
  '28000': 'the server refused this user',
  '57P03': 'the server is starting up',
};

/**
 * Turns a start-up failure into one line an admin can act on (no stack trace). Returns null
 * for errors we did not foresee, which are then printed in full.
 */
export function describeStartupError(error: unknown, databaseUrl?: string): string | null {
  if (error instanceof ConfigValidationError) return error.message;
  if (error instanceof AppException) return `${error.message} [${error.code}]`;
  const err = error as NodeJS.ErrnoException & { code?: string };
  const reason =
    (err.code && PG_REASONS[err.code]) ?? (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN'].includes(err.code ?? '') ? `${err.code}` : null);
  if (reason) return `cannot connect to the database at DATABASE_URL (${redactUrl(databaseUrl)}): ${reason}`;
  return null;
}

function redactUrl(url: string | undefined): string {
  if (!url) return 'unset';
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'unparseable';
  }
}
