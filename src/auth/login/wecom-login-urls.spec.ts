import type { Authenticator } from '../authenticators/authenticator';
import { isWecomClient, safeRedirectPath, wecomAuthorizeUrl } from './wecom-login-urls';

const authenticator = { name: 'wecom', corpId: 'ww123', agentId: '1000002', origin: 'https://nb.example.com', bridgeUrl: null } as Authenticator;
const bases = { oauthBaseUrl: 'https://open.weixin.qq.com', loginBaseUrl: 'https://login.work.weixin.qq.com' };

describe(isWecomClient.name, () => {
  it.each([
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) Mobile/15E148 wxwork/3.1.16 MicroMessenger/7.0.1 Language/zh', true],
    ['Mozilla/5.0 (Linux; Android 9.0; wv) Mobile Safari/537.36 wxwork/2.7.2 MicroMessenger/6.3.22 NetType/WIFI', true],
    ['Mozilla/5.0 (Windows NT 10.0; WOW64) Chrome/129 Safari/537.36 wxwork/4.1.36 (MicroMessenger/6.2) WindowsWechat', true],
    ['Mozilla/5.0 (iPhone) Mobile MicroMessenger/8.0.40 NetType/WIFI', false],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/120 Safari/537.36', false],
    [undefined, false],
  ])('%s → %s', (ua, expected) => {
    expect(isWecomClient(ua)).toBe(expected);
  });
});

describe(wecomAuthorizeUrl.name, () => {
  it('asks for privateinfo with the agentid inside the WeCom client', () => {
    const url = new URL(wecomAuthorizeUrl(authenticator, 'abc123', true, bases));
    expect(`${url.origin}${url.pathname}`).toBe('https://open.weixin.qq.com/connect/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      appid: 'ww123',
      redirect_uri: 'https://nb.example.com/api/wecom/wecom/callback',
      response_type: 'code',
      scope: 'snsapi_privateinfo',
      state: 'abc123',
      agentid: '1000002',
    });
    expect(url.hash).toBe('#wechat_redirect');
  });

  it('uses the web login page elsewhere', () => {
    const url = new URL(wecomAuthorizeUrl({ ...authenticator, bridgeUrl: 'https://sso.example.com' }, 's', false, bases));
    expect(`${url.origin}${url.pathname}`).toBe('https://login.work.weixin.qq.com/wwlogin/sso/login');
    expect(url.searchParams.get('login_type')).toBe('CorpApp');
    expect(url.searchParams.get('agentid')).toBe('1000002');
    expect(url.searchParams.get('redirect_uri')).toBe('https://sso.example.com/api/wecom/wecom/callback');
  });
});

describe(safeRedirectPath.name, () => {
  it.each([
    [undefined, '/admin'],
    ['', '/admin'],
    ['/m', '/m'],
    ['/admin/settings?tab=users#top', '/admin/settings?tab=users#top'],
    ['/admin/../m', '/m'],
    ['/m/./page', '/m/page'],
    ['/admin?next=//evil.com', '/admin?next=//evil.com'],
    ['/admin/%E4%B8%AD', '/admin/%E4%B8%AD'],
  ])('accepts %p as %p', (raw, expected) => {
    expect(safeRedirectPath(raw, '/admin')).toBe(expected);
  });

  it.each(['//evil.com', 'https://evil.com', '/\\evil.com', 'javascript:alert(1)', 'admin', '/\t/evil.com', '/\n//evil.com', ' /admin'])(
    'refuses %p',
    (raw) => {
      expect(safeRedirectPath(raw, '/admin')).toBeNull();
    },
  );

  // Issue #14, finding 2: each of these came out as "//evil.com", checked before normalising.
  it.each([
    '/.//evil.com',
    '/..//evil.com',
    '/%2e//evil.com',
    '/%2E%2E//evil.com',
    '/x/..//evil.com',
    '/x/%2e%2e//evil.com',
    '/././/evil.com',
    // Decoded by whoever reads the redirect next (a client-side router): an encoded slash, backslash or control character.
    '/%2F/evil.com',
    '/%2f%2fevil.com',
    '/%5Cevil.com',
    '/%0a//evil.com',
    '/%09/evil.com',
    '/%E0%A4%A',
  ])('refuses the normalisation bypass %p', (raw) => {
    expect(safeRedirectPath(raw, '/admin')).toBeNull();
  });

  it('refuses anything but one string', () => {
    expect(safeRedirectPath(['/a', '/b'], '/admin')).toBeNull();
    expect(safeRedirectPath({ x: '/a' }, '/admin')).toBeNull();
    expect(safeRedirectPath(`/${'a'.repeat(3000)}`, '/admin')).toBeNull();
  });

  it('checks the fallback as well (a workbench path stored before this check)', () => {
    expect(safeRedirectPath(undefined, '/.//evil.com')).toBeNull();
  });
});
