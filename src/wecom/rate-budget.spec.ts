import { RateBudget, RateBudgetFull, type Clock } from './rate-budget';

/** A clock that only moves when someone sleeps, so the budget's waits are exact and instant. */
function fakeClock(start = 1_000_000): Clock & { slept: number[] } {
  let t = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

describe(RateBudget.name, () => {
  it('lets `limit` calls through at once, then makes the next wait for the window', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(3, 1000, clock);
    for (let i = 0; i < 3; i++) await budget.acquire('ww1:user/get');
    expect(clock.slept).toEqual([]);
    await budget.acquire('ww1:user/get');
    expect(clock.slept).toEqual([1050]);
  });

  it('never lets any window hold more than `limit` calls', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(10, 1000, clock);
    const times: number[] = [];
    for (let i = 0; i < 55; i++) {
      await budget.acquire('k');
      times.push(clock.now());
    }
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(10);
  });

  it('keeps separate budgets per key', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(1, 1000, clock);
    await budget.acquire('ww1:user/get');
    await budget.acquire('ww1:department/list');
    await budget.acquire('ww2:user/get');
    expect(clock.slept).toEqual([]);
  });

  it('holds every call under a blocked key until the block ends', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(100, 10_000, clock);
    budget.block('k', clock.now() + 5000);
    await budget.acquire('k');
    expect(clock.slept).toEqual([5000]);
  });

  // Issue #14, finding 3: the queue had no end, and one 45009 held every login for a minute.
  it('refuses at once, saying when to come back, a call that would wait longer than the caller accepts', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(2, 1000, clock);
    await budget.acquire('k', 0);
    await budget.acquire('k', 0);
    await expect(budget.acquire('k', 500)).rejects.toEqual(new RateBudgetFull(1050));
    // The refused call took no slot: a caller that can wait still gets the next one.
    await budget.acquire('k');
    expect(clock.slept).toEqual([1050]);
  });

  it('never queues more than a window of calls by default', async () => {
    // Time stands still: every call arrives before any waiter has gone.
    const budget = new RateBudget(2, 1000, { now: () => 1_000_000, sleep: async () => undefined });
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => budget.acquire('k')));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
  });

  it('refuses a short-waiting caller while WeCom has the key blocked', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(100, 60_000, clock);
    budget.block('k', clock.now() + 60_000);
    await expect(budget.acquire('k', 5000)).rejects.toEqual(new RateBudgetFull(60_000));
  });
});
