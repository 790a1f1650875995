import { Logger } from '@nestjs/common';
import type { LoginAuditEntry, LoginAuditRepository } from './login-audit.repository';
import { AUDIT_BATCH, AUDIT_FLUSH_MS, LoginAuditService } from './login-audit.service';

const entry = (code: string): LoginAuditEntry => ({
  authenticatorId: 1,
  wecomUserid: 'zhangsan',
  nocobaseUserId: 7,
  inClient: false,
  outcome: 'succeeded',
  code,
  message: null,
  ip: '127.0.0.1',
  userAgent: null,
  requestId: null,
});

function setUp() {
  const written: Array<Array<LoginAuditEntry & { at: Date }>> = [];
  let failing = false;
  const repository = {
    record: jest.fn(async () => 41),
    recordMany: jest.fn(async (rows: Array<LoginAuditEntry & { at: Date }>) => {
      if (failing) throw new Error('the database is away');
      written.push(rows);
    }),
  };
  const service = new LoginAuditService(repository as unknown as LoginAuditRepository);
  return { service, repository, written, fail: (on: boolean) => (failing = on) };
}

describe('LoginAuditService', () => {
  afterEach(() => jest.useRealTimers());

  it('writes a refusal before answering, and returns its id as the reference', async () => {
    const t = setUp();
    expect(await t.service.refused({ ...entry('NO_ACCOUNT'), outcome: 'refused' })).toBe(41);
    expect(t.repository.record).toHaveBeenCalledTimes(1);
  });

  it('queues successes and writes them together within the flush interval, stamped with the time of the decision', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T08:00:00Z') });
    const t = setUp();
    await t.service.succeeded(entry('BOUND'));
    jest.setSystemTime(new Date('2026-12-01T08:00:00.050Z'));
    await t.service.succeeded(entry('FIRST_BINDING'));
    expect(t.repository.recordMany).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(AUDIT_FLUSH_MS);
    expect(t.written).toHaveLength(1);
    expect(t.written[0].map((r) => [r.code, r.at.toISOString()])).toEqual([
      ['BOUND', '2026-12-01T08:00:00.000Z'],
      ['FIRST_BINDING', '2026-12-01T08:00:00.050Z'],
    ]);
  });

  it('writes a full batch at once, without waiting for the interval', async () => {
    const t = setUp();
    for (let i = 0; i < AUDIT_BATCH; i++) await t.service.succeeded(entry('BOUND'));
    await t.service.flush();
    expect(t.written.map((b) => b.length)).toEqual([AUDIT_BATCH]);
  });

  it('keeps rows it could not write, in order, for the next flush', async () => {
    const t = setUp();
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await t.service.succeeded(entry('A'));
    await t.service.succeeded(entry('B'));
    t.fail(true);
    await t.service.flush();
    expect(t.written).toHaveLength(0);
    t.fail(false);
    await t.service.succeeded(entry('C'));
    await t.service.flush();
    expect(t.written.flat().map((r) => r.code)).toEqual(['A', 'B', 'C']);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('could not write 2 login audit rows'));
    logged.mockRestore();
  });

  it('flushes at shutdown, and writes at once what logins still in flight then decide', async () => {
    const t = setUp();
    await t.service.succeeded(entry('A'));
    await t.service.beforeApplicationShutdown();
    expect(t.written.flat().map((r) => r.code)).toEqual(['A']);
    await t.service.succeeded(entry('B'));
    expect(t.written.flat().map((r) => r.code)).toEqual(['A', 'B']);
  });
});
