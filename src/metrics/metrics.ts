import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const PREFIX = 'wecom_bridge_';

/**
 * Every Prometheus metric the bridge exports, in a registry of its own (several apps share one
 * process in tests). Modules record through the named fields; values that live in the database are
 * read when scraped, through collectors the owning module registers (`onScrape`).
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly logins = new Counter({
    name: `${PREFIX}logins_total`,
    help: 'Login callbacks by authenticator and outcome (succeeded, refused, failed), with the decision or refusal code',
    labelNames: ['authenticator', 'outcome', 'code'] as const,
    registers: [this.registry],
  });

  readonly loginCallbackSeconds = new Histogram({
    name: `${PREFIX}login_callback_seconds`,
    help: 'Time from WeCom redirecting back to the hand-off (or refusal), by authenticator and outcome',
    labelNames: ['authenticator', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly wecomCalls = new Counter({
    name: `${PREFIX}wecom_calls_total`,
    help: 'Calls to WeCom by API and errcode (or network, http_<status>, bad_json)',
    labelNames: ['api', 'errcode'] as const,
    registers: [this.registry],
  });

  readonly wecomTokenRefreshes = new Counter({
    name: `${PREFIX}wecom_token_refreshes_total`,
    help: 'Access tokens fetched from WeCom (gettoken); a fleet makes one per token lifetime per secret',
    registers: [this.registry],
  });

  readonly wecomRateLimitPauses = new Counter({
    name: `${PREFIX}wecom_rate_limit_pauses_total`,
    help: 'Times WeCom answered 45009 and an API was paused, by API',
    labelNames: ['api'] as const,
    registers: [this.registry],
  });

  readonly syncRuns = new Counter({
    name: `${PREFIX}sync_runs_total`,
    help: 'Finished sync runs by authenticator, trigger and status (succeeded, partial, failed, aborted)',
    labelNames: ['authenticator', 'trigger', 'status'] as const,
    registers: [this.registry],
  });

  readonly syncRunSeconds = new Histogram({
    name: `${PREFIX}sync_run_duration_seconds`,
    help: 'Duration of finished sync runs by authenticator and status',
    labelNames: ['authenticator', 'status'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });

  readonly syncItems = new Counter({
    name: `${PREFIX}sync_items_total`,
    help: 'Departments and members a sync acted on, by authenticator, kind, action and outcome',
    labelNames: ['authenticator', 'kind', 'action', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly scrapers: Array<() => Promise<void>> = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  /** A gauge whose value is read when Prometheus scrapes (a queue length in the database, a pool's use). */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], read: (gauge: Gauge<L>) => Promise<void> | void): Gauge<L> {
    const gauge = new Gauge<L>({ name: `${PREFIX}${name}`, help, labelNames, registers: [this.registry] });
    this.scrapers.push(async () => {
      gauge.reset();
      await read(gauge);
    });
    return gauge;
  }

  /** The exposition text, after every scrape-time reader ran (one failing reader leaves its gauge empty, not the page). */
  async scrape(): Promise<string> {
    await Promise.allSettled(this.scrapers.map((read) => read()));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
