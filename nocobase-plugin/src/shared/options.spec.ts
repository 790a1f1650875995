import { normalizeBridgeUrl, publicOptions } from './options';

describe(publicOptions.name, () => {
  it('gives the sign-in page the login URL and the settings, nothing else', () => {
    const stored = { bridgeUrl: 'https://nocobase.example.com/', bridgeAuthenticator: 'wecom-hq', autoLogin: true, somethingElse: 'secret' };
    expect(publicOptions(stored)).toEqual({
      loginUrl: 'https://nocobase.example.com/api/wecom/wecom-hq/login',
      bridgeUrl: 'https://nocobase.example.com',
      bridgeAuthenticator: 'wecom-hq',
      autoLogin: true,
    });
  });

  it('defaults the bridge authenticator to wecom and auto-login to off, and has no login URL without a bridge URL', () => {
    expect(publicOptions({ bridgeUrl: 'http://127.0.0.1:3000' })).toMatchObject({ loginUrl: 'http://127.0.0.1:3000/api/wecom/wecom/login', autoLogin: false });
    expect(publicOptions({})).toEqual({ loginUrl: null, bridgeUrl: null, bridgeAuthenticator: 'wecom', autoLogin: false });
    expect(publicOptions(undefined).loginUrl).toBeNull();
  });
});

describe(normalizeBridgeUrl.name, () => {
  it.each([
    ['https://wecom.example.com', 'https://wecom.example.com'],
    [' https://nb.example.com/sub/ ', 'https://nb.example.com/sub'],
    ['https://nb.example.com/?x=1#y', 'https://nb.example.com'],
    ['javascript:alert(1)', null],
    ['wecom.example.com', null],
    ['', null],
    [42, null],
  ])('%s → %s', (raw, expected) => expect(normalizeBridgeUrl(raw)).toBe(expected));
});
