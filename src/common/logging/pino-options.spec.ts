import { redactRequestUrl } from './pino-options';

describe(redactRequestUrl.name, () => {
  it('masks what proves a login or a callback, keeps the rest readable', () => {
    expect(redactRequestUrl('/api/wecom/wecom/callback?code=CODE123&state=abcdef')).toBe('/api/wecom/wecom/callback?code=***&state=***');
    expect(redactRequestUrl('/api/wecom/w/events?msg_signature=sig&timestamp=1&nonce=n&echostr=E')).toBe(
      '/api/wecom/w/events?msg_signature=***&timestamp=1&nonce=n&echostr=***',
    );
    expect(redactRequestUrl('/api/wecom/wecom/login?redirect=%2Fadmin')).toBe('/api/wecom/wecom/login?redirect=%2Fadmin');
    expect(redactRequestUrl('/health/live')).toBe('/health/live');
  });
});
