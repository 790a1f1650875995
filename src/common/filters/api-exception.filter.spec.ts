import type { ArgumentsHost } from '@nestjs/common';
import { ErrorStatuses } from '../http/error-statuses';
import { ApiExceptionFilter } from './api-exception.filter';

function answer(exception: unknown) {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const response = {
    headersSent: false,
    locals: {},
    setHeader: (k: string, v: string) => void (sent.headers[k] = v),
    status(code: number) {
      sent.status = code;
      return this;
    },
    type() {
      return this;
    },
    json: (body: unknown) => void (sent.body = body),
  };
  const host = { switchToHttp: () => ({ getRequest: () => ({ id: 'req-1' }), getResponse: () => response }) } as unknown as ArgumentsHost;
  new ApiExceptionFilter(new ErrorStatuses({})).catch(exception, host);
  return sent;
}

describe('ApiExceptionFilter, a lost database connection', () => {
  it.each([
    [
      'pg_terminate_backend (57P01) through TypeORM',
      Object.assign(new Error('terminating connection due to administrator command'), { driverError: { code: '57P01' } }),
    ],
    ['a connection exception (class 08)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['node-postgres seeing the socket close', new Error('Connection terminated unexpectedly')],
  ])('answers 503 DATABASE_UNAVAILABLE with Retry-After for %s', (_, error) => {
    const sent = answer(error);
    expect(sent.status).toBe(503);
    expect(sent.headers['Retry-After']).toBe('1');
    expect(sent.body).toEqual({ errors: [{ code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining('try again'), requestId: 'req-1' }] });
  });

  it('still answers 500 for anything else', () => {
    expect(answer(new Error('boom')).status).toBe(500);
  });
});
