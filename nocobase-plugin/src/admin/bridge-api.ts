/**
 * The bridge's admin API as the settings page calls it: from the admin's browser, with the admin's own NocoBase
 * session as the bearer token (the bridge accepts a root/admin NocoBase token and allows this NocoBase origin by
 * CORS). Answers come in NocoBase's envelope; an error keeps the bridge's own code and message for the page to show.
 */
export class BridgeError extends Error {
  constructor(
    /** HTTP status; 0 when the browser got no answer at all (down, wrong URL, or CORS refused). */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PageMeta {
  count: number;
  page: number;
  pageSize: number;
  totalPage: number;
}

export interface Answer<T> {
  data: T;
  meta?: PageMeta;
}

type Query = Record<string, string | number | boolean | undefined | null>;
type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; credentials: 'omit' },
) => Promise<{
  status: number;
  json(): Promise<unknown>;
}>;

export interface BridgeApi {
  get<T>(path: string, query?: Query): Promise<Answer<T>>;
  post<T>(path: string, body: object): Promise<Answer<T>>;
  patch<T>(path: string, body: object): Promise<Answer<T>>;
  delete(path: string): Promise<void>;
}

/** What the page knows of the admin's NocoBase session: the current token, and a way to have NocoBase renew it. */
export interface Session {
  token(): string | null;
  /**
   * Asks NocoBase about the session, which renews an expired token (NocoBase replaces it and its client keeps the new
   * one): the bridge refuses the old one the moment NocoBase has renewed it.
   */
  renew(): Promise<void>;
}

export function bridgeApi(bridgeUrl: string, session: Session, fetchImpl: FetchLike = fetch as unknown as FetchLike): BridgeApi {
  const base = bridgeUrl.replace(/\/+$/, '');

  async function call<T>(method: string, path: string, query?: Query, body?: object): Promise<Answer<T>> {
    try {
      return await once<T>(method, path, query, body);
    } catch (error) {
      if (!(error instanceof BridgeError) || error.code !== 'ADMIN_AUTH_REQUIRED') throw error;
      const before = session.token();
      await session.renew().catch(() => undefined);
      if (session.token() === before) throw error;
      return once<T>(method, path, query, body);
    }
  }

  async function once<T>(method: string, path: string, query?: Query, body?: object): Promise<Answer<T>> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
    const url = `${base}${path}${search.size ? `?${search}` : ''}`;
    const bearer = session.token();
    const headers: Record<string, string> = { Accept: 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) };
    if (body) headers['Content-Type'] = 'application/json';
    let res: { status: number; json(): Promise<unknown> };
    try {
      res = await fetchImpl(url, { method, headers, body: body ? JSON.stringify(body) : undefined, credentials: 'omit' });
    } catch (error) {
      throw new BridgeError(
        0,
        'BRIDGE_UNREACHABLE',
        `This browser cannot reach the bridge at ${base} (${(error as Error).message || error}). Check the bridge URL, that the bridge is running, and that it allows this NocoBase origin (WECOM_ORIGIN, for CORS).`,
      );
    }
    if (res.status === 204) return { data: undefined as T };
    const parsed = (await res.json().catch(() => null)) as { data?: T; meta?: PageMeta; errors?: Array<{ code?: string; message?: string }> } | null;
    if (res.status >= 400 || !parsed) {
      const first = parsed?.errors?.[0];
      throw new BridgeError(
        res.status,
        first?.code ?? `HTTP_${res.status}`,
        first?.message ?? `The bridge answered HTTP ${res.status}${parsed ? '' : ' without JSON'}.`,
      );
    }
    return { data: parsed.data as T, meta: parsed.meta };
  }

  return {
    get: (path, query) => call('GET', path, query),
    post: (path, body) => call('POST', path, undefined, body),
    patch: (path, body) => call('PATCH', path, undefined, body),
    delete: async (path) => void (await call('DELETE', path)),
  };
}
