import { Injectable, Optional } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';

export interface WecomCallCount {
  api: string;
  /** WeCom's errcode, or `network` / `http_<status>` / `bad_json` when there was none. */
  outcome: string;
  count: number;
}

/** Every WeCom call counted by API and outcome, for run reports and for Prometheus (when the app has it). */
@Injectable()
export class WecomMetrics {
  private readonly counts = new Map<string, number>();

  constructor(@Optional() private readonly metrics?: Metrics) {}

  record(api: string, outcome: number | string): void {
    const key = `${api}\u0000${outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (!this.metrics) return;
    this.metrics.wecomCalls.inc({ api, errcode: String(outcome) });
    if (api === 'gettoken' && outcome === 0) this.metrics.wecomTokenRefreshes.inc();
    if (outcome === 45009) this.metrics.wecomRateLimitPauses.inc({ api });
  }

  snapshot(): WecomCallCount[] {
    return [...this.counts].map(([key, count]) => {
      const [api, outcome] = key.split('\u0000');
      return { api, outcome, count };
    });
  }

  total(api?: string): number {
    return this.snapshot()
      .filter((c) => api === undefined || c.api === api)
      .reduce((n, c) => n + c.count, 0);
  }
}
