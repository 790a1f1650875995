import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { AccessTokenStore } from './access-token.store';
import { RateBudget } from './rate-budget';
import { WecomClient, type WecomClientOptions } from './wecom-client';
import { WecomMetrics } from './wecom-metrics';

export interface WecomFactoryOptions extends WecomClientOptions {
  apiBaseUrl: string;
  /** Client-side budget per corp per API. */
  rateLimit: number;
  rateLimitWindowMs: number;
}

export const DEFAULT_CLIENT_OPTIONS = { retryBaseDelayMs: 200, rateLimitPauseMs: 60_000, rateLimitWindowMs: 60_000, interactiveWaitMs: 5000 } as const;

/**
 * Hands out one client per (corp, secret). Clients of one process share the rate budget (WeCom
 * counts per corp and API, whatever the secret), the call metrics and the token store.
 */
export class WecomClientFactory {
  private readonly clients = new Map<string, WecomClient>();
  readonly budget: RateBudget;
  private readonly http: AxiosInstance;

  constructor(
    private readonly options: WecomFactoryOptions,
    private readonly tokens: AccessTokenStore,
    readonly metrics: WecomMetrics = new WecomMetrics(),
  ) {
    this.budget = new RateBudget(options.rateLimit, options.rateLimitWindowMs);
    // WeCom's API never redirects: without maxRedirects axios sends every call through follow-redirects, which
    // doubled the client's CPU per call (a 100,000-member read makes 3,000 calls). Connections are kept alive.
    this.http = axios.create({
      baseURL: options.apiBaseUrl,
      headers: { 'User-Agent': 'wecom-bridge' },
      maxRedirects: 0,
      httpAgent: new HttpAgent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    });
  }

  forCredentials(corpId: string, secret: string): WecomClient {
    const key = createHash('sha256').update(`${corpId}\n${secret}`).digest('hex');
    let client = this.clients.get(key);
    if (!client) {
      client = new WecomClient(corpId, secret, key, {
        http: this.http,
        tokens: this.tokens,
        budget: this.budget,
        metrics: this.metrics,
        options: this.options,
      });
      this.clients.set(key, client);
    }
    return client;
  }
}
