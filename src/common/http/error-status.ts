/**
 * The one place an error code becomes an HTTP status. Modules add their codes here; an
 * unknown code is a 500 so a forgotten mapping is loud, not silently 400.
 */
export const HTTP_STATUS_BY_CODE: Record<string, number> = {
  // nocobase
  NOT_A_NOCOBASE_DATABASE: 500,
  AMBIGUOUS_NOCOBASE_SCHEMA: 500,
  NOCOBASE_COLUMN_MISSING: 500,
  NOCOBASE_FEATURE_UNAVAILABLE: 501,
  NOCOBASE_API_UNAVAILABLE: 503,
  NOCOBASE_API_ERROR: 502,
  NOCOBASE_SESSION_INVALID: 401,
};

export function httpStatusForCode(code: string): number {
  return HTTP_STATUS_BY_CODE[code] ?? 500;
}

export function registerErrorStatuses(statuses: Record<string, number>): void {
  Object.assign(HTTP_STATUS_BY_CODE, statuses);
}
