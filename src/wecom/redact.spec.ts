import { redactSecrets } from './redact';

describe(redactSecrets.name, () => {
  it.each([
    ['/cgi-bin/gettoken?corpid=ww1&corpsecret=S3cretValue', '/cgi-bin/gettoken?corpid=ww1&corpsecret=***'],
    ['/cgi-bin/user/get?access_token=tok123&userid=zhangsan', '/cgi-bin/user/get?access_token=***&userid=zhangsan'],
    ['/cgi-bin/auth/getuserinfo?access_token=a&code=CODE1', '/cgi-bin/auth/getuserinfo?access_token=***&code=***'],
    ['{"user_ticket":"TICKET-1"}', '{"user_ticket":"***"}'],
  ])('masks %s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('masks a known secret wherever it appears', () => {
    expect(redactSecrets('failed with S3cretValue in it', ['S3cretValue'])).toBe('failed with *** in it');
  });

  it('leaves ordinary text alone', () => {
    expect(redactSecrets('user zhangsan not found, decode failed')).toBe('user zhangsan not found, decode failed');
  });
});
