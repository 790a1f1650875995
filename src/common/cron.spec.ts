import { cronProblem, nextFirings } from './cron';

describe('cron', () => {
  it('names what is wrong with a schedule that cannot run', () => {
    expect(cronProblem('0 3 * * *')).toBeNull();
    expect(cronProblem('every day')).toMatch(/not a cron expression/);
    expect(cronProblem('0 0 31 2 *')).toMatch(/never fires/);
  });

  it('lists the next firings in order, each matching the expression', () => {
    const next = nextFirings('30 2 * * 1', 3);
    expect(next).toHaveLength(3);
    for (const at of next) expect([at.getDay(), at.getHours(), at.getMinutes()]).toEqual([1, 2, 30]);
    expect(next[1].getTime() - next[0].getTime()).toBe(7 * 24 * 3600 * 1000);
    expect(next[0].getTime()).toBeGreaterThan(Date.now());
  });
});
