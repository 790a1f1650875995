import { callerIpFromErrmsg, parseWecomError } from './parse-wecom-error';
import type { WecomErrorCode } from './wecom.exception';

const tail = (code: number, ip = '203.0.113.7') =>
  `, hint: [1700000000_12_abcdef], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${code}`;
const ctx = { api: 'user/get', corpId: 'ww1234' };

describe(parseWecomError.name, () => {
  it.each<[number, WecomErrorCode]>([
    [-1, 'WECOM_BUSY'],
    [40001, 'WECOM_INVALID_SECRET'],
    [40091, 'WECOM_INVALID_SECRET'],
    [41004, 'WECOM_INVALID_SECRET'],
    [40013, 'WECOM_INVALID_CORP_ID'],
    [41002, 'WECOM_INVALID_CORP_ID'],
    [40014, 'WECOM_TOKEN_INVALID'],
    [41001, 'WECOM_TOKEN_INVALID'],
    [42001, 'WECOM_TOKEN_INVALID'],
    [40029, 'WECOM_CODE_INVALID'],
    [41008, 'WECOM_CODE_INVALID'],
    [42003, 'WECOM_CODE_INVALID'],
    [40003, 'WECOM_USER_NOT_FOUND'],
    [60111, 'WECOM_USER_NOT_FOUND'],
    [60003, 'WECOM_DEPARTMENT_NOT_FOUND'],
    [60123, 'WECOM_DEPARTMENT_NOT_FOUND'],
    [60011, 'WECOM_NO_PRIVILEGE'],
    [50002, 'WECOM_NO_PRIVILEGE'],
    [301002, 'WECOM_NO_PRIVILEGE'],
    [60020, 'WECOM_IP_NOT_TRUSTED'],
    [50001, 'WECOM_REDIRECT_DOMAIN_UNTRUSTED'],
    [48009, 'WECOM_DETAIL_API_FORBIDDEN_FOR_NEW_IP'],
    [48001, 'WECOM_API_FORBIDDEN'],
    [48002, 'WECOM_API_FORBIDDEN'],
    [50003, 'WECOM_APP_DISABLED'],
    [40056, 'WECOM_INVALID_AGENT'],
    [40058, 'WECOM_INVALID_PARAMETER'],
    [45009, 'WECOM_RATE_LIMITED'],
    [45033, 'WECOM_RATE_LIMITED'],
    [45029, 'WECOM_RESPONSE_TOO_LARGE'],
    [99999, 'WECOM_ERROR'],
  ])('maps %i to %s', (errcode, code) => {
    const e = parseWecomError(errcode, `some text${tail(errcode)}`, ctx);
    expect(e.code).toBe(code);
    expect(e.errcode).toBe(errcode);
    expect(e.api).toBe('user/get');
    expect(e.message).toContain(`errcode ${errcode}`);
  });

  it('60020 names the caller IP and the trusted-IP setting', () => {
    const e = parseWecomError(60020, `not allow to access from your ip${tail(60020, '198.51.100.23')}`, ctx);
    expect(e.message).toContain('198.51.100.23');
    expect(e.message).toContain('企业可信IP');
  });

  it('50001 names the redirect domain to trust', () => {
    const e = parseWecomError(50001, `redirect_uri unauthorized${tail(50001)}`, { ...ctx, api: 'auth/getuserinfo', redirectDomain: 'bridge.example.com:8443' });
    expect(e.message).toContain('bridge.example.com:8443');
    expect(e.message).toContain('可信域名');
  });

  it('48009 points at the id-only APIs', () => {
    expect(parseWecomError(48009, `api forbidden${tail(48009)}`, ctx).message).toMatch(/user\/list_id.*department\/simplelist/);
  });

  it('40001 says the secret is wrong and that it is not retried', () => {
    expect(parseWecomError(40001, `invalid credential${tail(40001)}`, ctx).message).toMatch(/secret.*wrong.*not retried/);
  });

  it('40029 says the code was used or expired', () => {
    expect(parseWecomError(40029, `invalid code${tail(40029)}`, ctx).message).toMatch(/already used or has expired/);
  });

  it('40058 on getuserdetail is an invalid ticket', () => {
    expect(parseWecomError(40058, 'invalid user_ticket', { ...ctx, api: 'auth/getuserdetail' }).code).toBe('WECOM_TICKET_INVALID');
  });

  it('names the missing member', () => {
    expect(parseWecomError(60111, 'userid not found', { ...ctx, subject: 'zhangsan' }).message).toContain('member zhangsan was not found');
  });

  it('only busy answers are transient', () => {
    expect(parseWecomError(-1, 'system busy', ctx).transient).toBe(true);
    expect(parseWecomError(40001, 'invalid credential', ctx).transient).toBe(false);
  });
});

describe(callerIpFromErrmsg.name, () => {
  it.each([
    [`x${tail(60020, '1.2.3.4')}`, '1.2.3.4'],
    [`x${tail(60020, '2001:db8::1')}`, '2001:db8::1'],
    ['no ip here', null],
  ])('reads %s', (msg, ip) => expect(callerIpFromErrmsg(msg)).toBe(ip));
});
