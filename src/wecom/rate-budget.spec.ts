import { RateBudget, type Clock } from './rate-budget';

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
    const budget = new RateBudget(100, 1000, clock);
    budget.block('k', clock.now() + 5000);
    await budget.acquire('k');
    expect(clock.slept).toEqual([5000]);
  });
});
