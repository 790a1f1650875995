import { Injectable } from '@nestjs/common';

export interface WecomCallCount {
  api: string;
  /** WeCom's errcode, or `network` / `http_<status>` / `bad_json` when there was none. */
  outcome: string;
  count: number;
}

/** Every WeCom call counted by API and outcome, for run reports. */
@Injectable()
export class WecomMetrics {
  private readonly counts = new Map<string, number>();

  record(api: string, outcome: number | string): void {
    const key = `${api}\u0000${outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
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
