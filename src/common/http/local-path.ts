import { ValidateBy } from 'class-validator';

/** Longer than any real NocoBase route with its query. */
export const MAX_PATH_LENGTH = 2048;

const ORIGIN_PROBE = 'http://origin.invalid';

/**
 * `raw` as a path on the same origin, normalised (`/admin/../m` → `/m`), or null when it could
 * leave the origin however a browser or a client-side router reads it: `//evil`, `/\evil`,
 * `https://…`, and the spellings that only turn into `//evil` once normalised or decoded
 * (`/.//evil`, `/%2e//evil`, `/x/..//evil`, `/%2F/evil`, `/%0a//evil`). The check runs again on
 * the normalised form, because that is what the browser follows.
 */
export function localPath(raw: string): string | null {
  if (raw.length > MAX_PATH_LENGTH || !staysLocal(raw)) return null;
  const resolved = new URL(raw, ORIGIN_PROBE);
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  return resolved.origin === ORIGIN_PROBE && staysLocal(path) ? path : null;
}

function staysLocal(path: string): boolean {
  if (!path.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(path)) return false;
  // The path as the next reader may decode it: an encoded slash, backslash or control character counts as one.
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.split(/[?#]/, 1)[0]);
  } catch {
    return false;
  }
  return !decoded.startsWith('//') && !/[\u0000-\u001f\u007f\\]/.test(decoded);
}

/**
 * An origin and nothing more (`https://host[:port]`): no path, query, fragment or credentials,
 * since paths are appended to it and its host is what WeCom and CORS trust. A trailing slash is
 * allowed here and stripped by the caller.
 */
export function isOrigin(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    !url.username &&
    !url.password &&
    url.pathname === '/' &&
    !url.search &&
    !url.hash &&
    !raw.includes('?') &&
    !raw.includes('#')
  );
}

/** A path stored to redirect to later (a workbench path): already in the normal form localPath gives it. */
export function IsLocalPath(): PropertyDecorator {
  return ValidateBy({
    name: 'isLocalPath',
    validator: {
      validate: (value) => typeof value === 'string' && localPath(value) === value,
      defaultMessage: (args) => `${args?.property} must be a normalised path on the origin, such as /admin or /m`,
    },
  });
}

export function IsOrigin(): PropertyDecorator {
  return ValidateBy({
    name: 'isOrigin',
    validator: {
      validate: (value) => typeof value === 'string' && isOrigin(value),
      defaultMessage: (args) => `${args?.property} must be an origin such as https://nocobase.example.com (no path, query or credentials)`,
    },
  });
}
