import { bridgeApi, BridgeError, type Session } from './bridge-api';

const fixed = (token: string | null): Session => ({ token: () => token, renew: async () => undefined });

function fakeFetch(status: number, body: unknown) {
  const calls: Array<{ url: string; init: { method: string; headers: Record<string, string>; body?: string } }> = [];
  const impl = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    calls.push({ url, init });
    return { status, json: async () => (body instanceof Error ? Promise.reject(body) : body) };
  };
  return { impl, calls };
}

describe('bridgeApi', () => {
  it("sends the admin's NocoBase token and the query, and unwraps the envelope", async () => {
    const { impl, calls } = fakeFetch(200, { data: [{ id: 1 }], meta: { count: 1, page: 1, pageSize: 20, totalPage: 1 } });
    const api = bridgeApi('https://bridge.example.com/', fixed('nb-token'), impl);
    const answer = await api.get('/api/admin/bindings', { q: '139 0000', page: 1, empty: '', none: undefined });
    expect(calls[0].url).toBe('https://bridge.example.com/api/admin/bindings?q=139+0000&page=1');
    expect(calls[0].init.headers.Authorization).toBe('Bearer nb-token');
    expect(answer).toEqual({ data: [{ id: 1 }], meta: { count: 1, page: 1, pageSize: 20, totalPage: 1 } });
  });

  it('posts JSON', async () => {
    const { impl, calls } = fakeFetch(202, { data: { id: 7 } });
    await bridgeApi('https://b', fixed(null), impl).post('/api/admin/sync-runs', { authenticator: 'wecom', dryRun: true });
    expect(calls[0].init).toMatchObject({ method: 'POST', body: '{"authenticator":"wecom","dryRun":true}' });
    expect(calls[0].init.headers['Content-Type']).toBe('application/json');
    expect(calls[0].init.headers.Authorization).toBeUndefined();
  });

  it("keeps the bridge's own code and message", async () => {
    const { impl } = fakeFetch(403, { errors: [{ code: 'ADMIN_FORBIDDEN', message: 'this NocoBase user has neither the root nor the admin role' }] });
    await expect(bridgeApi('https://b', fixed('t'), impl).get('/api/admin/bindings')).rejects.toMatchObject({
      status: 403,
      code: 'ADMIN_FORBIDDEN',
      message: 'this NocoBase user has neither the root nor the admin role',
    });
  });

  it('says what to check when no answer comes (down, wrong URL or CORS)', async () => {
    const api = bridgeApi('https://b', fixed('t'), async () => Promise.reject(new TypeError('Failed to fetch')));
    const error = (await api.get('/x').catch((e) => e)) as BridgeError;
    expect(error).toBeInstanceOf(BridgeError);
    expect([error.status, error.code]).toEqual([0, 'BRIDGE_UNREACHABLE']);
    expect(error.message).toMatch(/cannot reach the bridge at https:\/\/b \(Failed to fetch\).*WECOM_ORIGIN/);
  });

  it('names a non-JSON answer', async () => {
    const { impl } = fakeFetch(502, new SyntaxError('Unexpected token <'));
    await expect(bridgeApi('https://b', fixed('t'), impl).get('/x')).rejects.toMatchObject({
      status: 502,
      code: 'HTTP_502',
      message: 'The bridge answered HTTP 502 without JSON.',
    });
  });

  it('answers nothing for 204', async () => {
    const { impl } = fakeFetch(204, null);
    await expect(bridgeApi('https://b', fixed('t'), impl).delete('/api/admin/bindings/3')).resolves.toBeUndefined();
  });

  it('has NocoBase renew a token the bridge no longer knows, and tries once more with the new one', async () => {
    let token = 'old';
    const sent: string[] = [];
    const impl = async (_url: string, init: { headers: Record<string, string> }) => {
      sent.push(init.headers.Authorization);
      return init.headers.Authorization === 'Bearer new'
        ? { status: 200, json: async () => ({ data: 'ok' }) }
        : {
            status: 401,
            json: async () => ({ errors: [{ code: 'ADMIN_AUTH_REQUIRED', message: 'the session is unknown to NocoBase (signed out or renewed)' }] }),
          };
    };
    const api = bridgeApi('https://b', { token: () => token, renew: async () => void (token = 'new') }, impl);
    await expect(api.get('/x')).resolves.toEqual({ data: 'ok', meta: undefined });
    expect(sent).toEqual(['Bearer old', 'Bearer new']);
  });

  it('gives up when renewing leaves the same token (signed out for good)', async () => {
    let calls = 0;
    const impl = async () => (calls++, { status: 401, json: async () => ({ errors: [{ code: 'ADMIN_AUTH_REQUIRED', message: 'signed out' }] }) });
    await expect(bridgeApi('https://b', fixed('t'), impl).get('/x')).rejects.toMatchObject({ status: 401, code: 'ADMIN_AUTH_REQUIRED' });
    expect(calls).toBe(1);
  });
});
