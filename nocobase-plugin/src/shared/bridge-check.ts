import { bridgeAuthenticatorName, normalizeBridgeUrl } from './options';

/** What the settings form's Check action found, from the admin's browser (the same place members' browsers reach). */
export type BridgeCheck =
  | { status: 'ok'; title: string; autoLogin: boolean; loginUrl: string; expectedLoginUrl: string }
  | { status: 'disabled'; title: string; name: string }
  | { status: 'not-found'; name: string }
  | { status: 'unreachable'; url: string; detail: string }
  | { status: 'invalid-url' }
  | { status: 'unexpected'; url: string; detail: string };

type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string>; credentials: 'omit' },
) => Promise<{ status: number; json(): Promise<unknown> }>;

/**
 * `GET <bridgeUrl>/api/wecom/authenticators/<name>`: 200 `{ data: { name, title, enabled, autoLogin, loginUrl } }`
 * or 404 `{ errors: [{ code: 'AUTHENTICATOR_NOT_FOUND' }] }`. A browser cannot tell a refused CORS request from a
 * bridge that is down (both are a TypeError), so both are "unreachable", with what to check.
 */
export async function checkBridge(
  rawUrl: unknown,
  rawName: unknown,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
  timeoutMs = 8000,
): Promise<BridgeCheck> {
  const bridgeUrl = normalizeBridgeUrl(rawUrl);
  if (!bridgeUrl) return { status: 'invalid-url' };
  const name = bridgeAuthenticatorName(rawName);
  const url = `${bridgeUrl}/api/wecom/authenticators/${encodeURIComponent(name)}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let res: { status: number; json(): Promise<unknown> };
  try {
    res = await fetchImpl(url, { signal: controller.signal, headers: { Accept: 'application/json' }, credentials: 'omit' });
  } catch (error) {
    const detail = controller.signal.aborted ? `no answer in ${Math.round(timeoutMs / 1000)} s` : (error as Error).message || String(error);
    return { status: 'unreachable', url, detail };
  } finally {
    clearTimeout(timer);
  }
  const body = (await res.json().catch(() => null)) as { data?: Record<string, unknown>; errors?: Array<{ code?: string }> } | null;
  if (res.status === 404 && body?.errors?.some((e) => e.code === 'AUTHENTICATOR_NOT_FOUND')) return { status: 'not-found', name };
  const data = body?.data;
  if (res.status !== 200 || !data || typeof data !== 'object') {
    return { status: 'unexpected', url, detail: `HTTP ${res.status}${body ? '' : ', not JSON: is this the bridge?'}` };
  }
  const title = typeof data.title === 'string' && data.title ? data.title : name;
  if (data.enabled !== true) return { status: 'disabled', title, name };
  const expectedLoginUrl = `${bridgeUrl}/api/wecom/${encodeURIComponent(name)}/login`;
  const said = typeof data.loginUrl === 'string' ? data.loginUrl : '';
  // The bridge names its login URL as a path (it may not know the prefix a proxy serves it under) or in full.
  const agrees = !said || (/^https?:\/\//.test(said) ? said === expectedLoginUrl : expectedLoginUrl.endsWith(said));
  return { status: 'ok', title, autoLogin: data.autoLogin === true, loginUrl: agrees ? expectedLoginUrl : said, expectedLoginUrl };
}
