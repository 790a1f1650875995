/**
 * Counts events per key over the last `windowMs`, approximately: the current fixed window plus the
 * previous one weighted by how much of it still overlaps. Memory is a number per key seen in the
 * last two windows, and at most `maxKeys` keys (beyond that the oldest are forgotten first).
 */
export class SlidingWindowCounter {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private windowStart: number;

  constructor(
    readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  /** Events under `key` in the last window. */
  count(key: string): number {
    this.roll();
    const overlap = 1 - (this.now() - this.windowStart) / this.windowMs;
    return (this.current.get(key) ?? 0) + (this.previous.get(key) ?? 0) * overlap;
  }

  add(key: string): void {
    this.roll();
    this.current.set(key, (this.current.get(key) ?? 0) + 1);
    if (this.current.size > this.maxKeys) this.current.delete(this.current.keys().next().value!);
  }

  /** Seconds until a key at its limit has room again, at most: the rest of this window. */
  retryAfterSeconds(): number {
    this.roll();
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - this.now()) / 1000));
  }

  private roll(): void {
    const elapsed = this.now() - this.windowStart;
    if (elapsed < this.windowMs) return;
    this.previous = elapsed < 2 * this.windowMs ? this.current : new Map();
    this.current = new Map();
    this.windowStart += elapsed - (elapsed % this.windowMs);
  }
}
