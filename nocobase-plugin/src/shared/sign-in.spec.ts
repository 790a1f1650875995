import { bridgeLoginHref, errorFor, isWecomClient, shouldAutoLogin, type AutoLoginInput } from './sign-in';

const LOGIN = 'https://wecom.example.com/api/wecom/wecom/login';
const WECOM_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1 Language/zh';

describe(isWecomClient.name, () => {
  it.each([
    [WECOM_UA, true],
    ['Mozilla/5.0 (Windows NT 10.0) Chrome/129 Safari/537.36 wxwork/4.1.36 (MicroMessenger/6.2) WindowsWechat', true],
    ['Mozilla/5.0 (iPhone) Mobile MicroMessenger/8.0.40 NetType/WIFI', false],
    [undefined, false],
  ])('%s → %s', (ua, expected) => expect(isWecomClient(ua)).toBe(expected));
});

describe(bridgeLoginHref.name, () => {
  it("passes the page's redirect on, and invents none when there is none (the bridge then uses its workbench path)", () => {
    expect(bridgeLoginHref(LOGIN, '?redirect=%2Fadmin%2Fabc%3Fx%3D1')).toBe(`${LOGIN}?redirect=%2Fadmin%2Fabc%3Fx%3D1`);
    expect(new URL(bridgeLoginHref(LOGIN, '?redirect=/v/admin/')).searchParams.get('redirect')).toBe('/v/admin/');
    expect(bridgeLoginHref(LOGIN, '')).toBe(LOGIN);
    expect(bridgeLoginHref(LOGIN, '?authenticator=x&error=nope')).toBe(LOGIN);
  });
});

describe(errorFor.name, () => {
  it("shows only this authenticator's error", () => {
    expect(errorFor('wecom-login', '?authenticator=wecom-login&error=%E6%97%A0%E6%9D%83%E9%99%90&redirect=/admin')).toBe('无权限');
    expect(errorFor('wecom-login', '?authenticator=basic&error=nope')).toBeNull();
    expect(errorFor('wecom-login', '?authenticator=wecom-login&error=%20')).toBeNull();
    expect(errorFor('wecom-login', '?redirect=/admin')).toBeNull();
  });
});

describe(shouldAutoLogin.name, () => {
  const input = (over: Partial<AutoLoginInput> = {}): AutoLoginInput => ({
    authenticatorName: 'wecom-login',
    loginUrl: LOGIN,
    autoLogin: true,
    pageSearch: '?redirect=/admin',
    userAgent: WECOM_UA,
    alreadyTried: false,
    ...over,
  });

  it('goes to the bridge by itself inside the WeCom client with auto-login on', () => {
    expect(shouldAutoLogin(input())).toBe(true);
  });

  it.each<[string, Partial<AutoLoginInput>]>([
    ['auto-login is off', { autoLogin: false }],
    ['in an ordinary browser', { userAgent: 'Mozilla/5.0 (Macintosh) Chrome/130 Safari/537.36' }],
    ['the bridge URL is not set', { loginUrl: null }],
    ['the bridge just sent the member back with an error', { pageSearch: '?authenticator=wecom-login&error=refused&redirect=/admin' }],
    ['this tab already tried once (a refusal must not loop)', { alreadyTried: true }],
  ])('stays on the sign-in page when %s', (_why, over) => {
    expect(shouldAutoLogin(input(over))).toBe(false);
  });

  it("still auto-logins when the error is another authenticator's", () => {
    expect(shouldAutoLogin(input({ pageSearch: '?authenticator=basic&error=x' }))).toBe(true);
  });
});
