import { checkBridge } from './bridge-check';

const answer = (status: number, body: unknown) => jest.fn(async () => ({ status, json: async () => body }));

describe(checkBridge.name, () => {
  it('asks the bridge for the named authenticator and reports it enabled with its title', async () => {
    const fetch = answer(200, {
      data: { name: 'wecom', title: '企业微信', enabled: true, autoLogin: false, loginUrl: 'https://w.example.com/api/wecom/wecom/login' },
    });
    expect(await checkBridge('https://w.example.com/', '', fetch)).toEqual({
      status: 'ok',
      title: '企业微信',
      autoLogin: false,
      loginUrl: 'https://w.example.com/api/wecom/wecom/login',
      expectedLoginUrl: 'https://w.example.com/api/wecom/wecom/login',
    });
    expect(fetch).toHaveBeenCalledWith('https://w.example.com/api/wecom/authenticators/wecom', expect.objectContaining({ credentials: 'omit' }));
  });

  it("accepts the bridge's login URL as a path (behind a proxy prefix too), and reports one that disagrees", async () => {
    const said = (loginUrl: string) => answer(200, { data: { name: 'wecom', title: 'T', enabled: true, loginUrl } });
    expect(await checkBridge('https://nb.example.com/wecom-proxy', 'wecom', said('/api/wecom/wecom/login'))).toMatchObject({
      loginUrl: 'https://nb.example.com/wecom-proxy/api/wecom/wecom/login',
      expectedLoginUrl: 'https://nb.example.com/wecom-proxy/api/wecom/wecom/login',
    });
    expect(await checkBridge('https://nb.example.com', 'wecom', said('https://other.example.com/api/wecom/wecom/login'))).toMatchObject({
      loginUrl: 'https://other.example.com/api/wecom/wecom/login',
      expectedLoginUrl: 'https://nb.example.com/api/wecom/wecom/login',
    });
  });

  it('tells disabled, unknown, unreachable, a bad URL and a non-bridge apart', async () => {
    expect(await checkBridge('https://w.example.com', 'hq', answer(200, { data: { name: 'hq', title: 'HQ', enabled: false } }))).toEqual({
      status: 'disabled',
      title: 'HQ',
      name: 'hq',
    });
    expect(await checkBridge('https://w.example.com', 'nope', answer(404, { errors: [{ code: 'AUTHENTICATOR_NOT_FOUND', message: 'no' }] }))).toEqual({
      status: 'not-found',
      name: 'nope',
    });
    const down = jest.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await checkBridge('https://w.example.com', 'hq', down)).toMatchObject({
      status: 'unreachable',
      detail: 'Failed to fetch',
      url: 'https://w.example.com/api/wecom/authenticators/hq',
    });
    expect(await checkBridge('not a url', 'hq', down)).toEqual({ status: 'invalid-url' });
    expect(down).toHaveBeenCalledTimes(1);
    const html = jest.fn(async () => ({ status: 200, json: async () => Promise.reject(new SyntaxError('Unexpected token <')) }));
    expect(await checkBridge('https://w.example.com', 'hq', html)).toMatchObject({ status: 'unexpected', detail: 'HTTP 200, not JSON: is this the bridge?' });
    expect(await checkBridge('https://w.example.com', 'hq', answer(404, { message: 'Cannot GET' }))).toMatchObject({
      status: 'unexpected',
      detail: 'HTTP 404',
    });
  });

  it('gives up on a bridge that does not answer', async () => {
    const hang = jest.fn(
      (_url: string, init: { signal: AbortSignal }) =>
        new Promise<never>((_r, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    expect(await checkBridge('https://w.example.com', 'hq', hang, 50)).toMatchObject({ status: 'unreachable', detail: 'no answer in 0 s' });
  });
});
