export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The budget would make the call wait longer than its caller accepts (a full queue, or WeCom's 45009 pause). */
export class RateBudgetFull extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`the rate budget is spent for the next ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** Slack for clock and network skew between us and WeCom. */
const MARGIN_MS = 50;

interface Window {
  /** Reserved start times of the last `limit` calls, as a ring. */
  slots: Float64Array;
  next: number;
  blockedUntil: number;
}

/**
 * A client-side sliding-window budget per key (corp + API): no window of `windowMs` ever holds
 * more than `limit` calls, so a full sync stays under WeCom's 10,000/min per corp per API instead
 * of tripping 45009 and losing a whole minute. Reservations are synchronous, so concurrent
 * callers queue in order without a lock; memory is one number per allowed call. The queue is
 * bounded: a call that would wait longer than its caller accepts (by default, more than a window:
 * a window's worth of calls is already waiting) is refused at once with RateBudgetFull, taking no
 * slot, rather than piling up requests that hold connections for minutes.
 */
export class RateBudget {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
    private readonly clock: Clock = systemClock,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  /** Waits until a call under `key` fits the budget, and counts it; throws RateBudgetFull when that is more than `maxWaitMs` away. */
  async acquire(key: string, maxWaitMs = this.windowMs + MARGIN_MS): Promise<void> {
    const w = this.window(key);
    const now = this.clock.now();
    const oldest = w.slots[w.next];
    // The slot is free once its previous call has left the window (the margin absorbs clock and network skew).
    const at = Math.max(now, w.blockedUntil, oldest === 0 ? 0 : oldest + this.windowMs + MARGIN_MS);
    if (at - now > maxWaitMs) throw new RateBudgetFull(at - now);
    w.slots[w.next] = at;
    w.next = (w.next + 1) % this.limit;
    if (at > now) await this.clock.sleep(at - now);
  }

  /** WeCom said 45009: nothing under `key` goes out before `untilMs`. */
  block(key: string, untilMs: number): void {
    const w = this.window(key);
    w.blockedUntil = Math.max(w.blockedUntil, untilMs);
  }

  private window(key: string): Window {
    let w = this.windows.get(key);
    if (!w) {
      w = { slots: new Float64Array(this.limit), next: 0, blockedUntil: 0 };
      this.windows.set(key, w);
    }
    return w;
  }
}
