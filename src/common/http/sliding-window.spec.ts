import { SlidingWindowCounter } from './sliding-window';

describe(SlidingWindowCounter.name, () => {
  let t = 0;
  const counter = (maxKeys?: number) => new SlidingWindowCounter(60_000, maxKeys, () => t);
  beforeEach(() => (t = 1_000_000));

  it('counts per key within the window', () => {
    const c = counter();
    for (let i = 0; i < 5; i++) c.add('a');
    c.add('b');
    expect([c.count('a'), c.count('b'), c.count('c')]).toEqual([5, 1, 0]);
  });

  it('lets the previous window fade out as the current one advances', () => {
    const c = counter();
    for (let i = 0; i < 10; i++) c.add('a');
    t += 60_000;
    expect(c.count('a')).toBe(10);
    t += 30_000;
    expect(c.count('a')).toBe(5);
    t += 30_000;
    expect(c.count('a')).toBe(0);
  });

  it('forgets everything after two quiet windows', () => {
    const c = counter();
    c.add('a');
    t += 150_000;
    expect(c.count('a')).toBe(0);
  });

  it('says how long until the window turns', () => {
    const c = counter();
    t += 45_500;
    expect(c.retryAfterSeconds()).toBe(15);
  });

  it('keeps at most maxKeys keys, forgetting the oldest', () => {
    const c = counter(2);
    c.add('a');
    c.add('b');
    c.add('c');
    expect([c.count('a'), c.count('b'), c.count('c')]).toEqual([0, 1, 1]);
  });
});
