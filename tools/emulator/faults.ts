export type FaultKind = 'latency' | 'busy' | 'errcode' | 'http_error' | 'timeout' | 'malformed_json' | 'reset';

export interface FaultInput {
  /** API path after /cgi-bin/ (e.g. `user/get`), or `*` for every API. */
  api?: string;
  kind: FaultKind;
  /** How many matching calls it affects; 0 = until cleared. Default 1. */
  times?: number;
  latencyMs?: number;
  errcode?: number;
  status?: number;
}

export interface Fault extends Required<Pick<FaultInput, 'api' | 'kind'>> {
  remaining: number;
  latencyMs: number;
  errcode: number;
  status: number;
}

/** Faults on demand: each matching call consumes one use of every active fault. */
export class FaultInjector {
  private faults: Fault[] = [];

  add(input: FaultInput): Fault {
    const kinds: FaultKind[] = ['latency', 'busy', 'errcode', 'http_error', 'timeout', 'malformed_json', 'reset'];
    if (!kinds.includes(input.kind)) throw new Error(`unknown fault kind ${input.kind}; one of ${kinds.join(', ')}`);
    const fault: Fault = {
      api: input.api ?? '*',
      kind: input.kind,
      remaining: input.times === 0 ? Infinity : (input.times ?? 1),
      latencyMs: input.latencyMs ?? (input.kind === 'timeout' ? 60_000 : 0),
      errcode: input.errcode ?? -1,
      status: input.status ?? 500,
    };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The latency to add and the failure (if any) for one call to `api`. */
  take(api: string): { latencyMs: number; failure: Fault | null } {
    let latencyMs = 0;
    let failure: Fault | null = null;
    for (const f of this.faults) {
      if (f.remaining <= 0 || (f.api !== '*' && f.api !== api)) continue;
      if (f.kind === 'latency') latencyMs += f.latencyMs;
      else if (failure) continue;
      else failure = f;
      f.remaining -= 1;
    }
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return { latencyMs, failure };
  }
}

/**
 * WeCom's limits are counted in fixed windows; a hit blocks the rest of the window. Keys are
 * `corp|api` and `ip|api`, each with its own limit.
 */
export class WindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Counts a call; false when the key is over `limit` in the current window. */
  hit(key: string, limit: number, windowMs: number, now = Date.now()): boolean {
    const start = now - (now % windowMs);
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(key, w);
    }
    w.count += 1;
    return w.count <= limit;
  }

  reset(): void {
    this.windows.clear();
  }
}
