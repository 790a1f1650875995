import type { ServerResponse } from 'node:http';
import { API_HANDLERS, POST_APIS, type ApiContext } from './api-handlers';
import type { CallCounter } from './call-stats';
import { EmuError, ERRMSG, errmsgWithTail } from './emu-error';
import { WindowCounter, type FaultInjector } from './faults';
import type { EmuPolicy } from './model';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `/cgi-bin/<api>` as WeCom answers it: injected faults first, then the IP allow-list (60020), the
 * per-corp and per-IP rate limits (45009), the concurrency limit (45033) and the method check, then
 * the API's handler. Every answer is counted by API and errcode.
 */
export class ApiDispatcher {
  private readonly limits = new WindowCounter();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly ctx: ApiContext,
    private readonly policy: EmuPolicy,
    private readonly faults: FaultInjector,
    private readonly counter: CallCounter,
  ) {}

  async dispatch(api: string, method: string, query: URLSearchParams, rawBody: string, ip: string, res: ServerResponse): Promise<void> {
    if (this.policy.latencyMs) await sleep(this.policy.latencyMs * (0.5 + Math.random()));
    const fault = this.faults.take(api);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.failure) return this.fail(api, fault.failure, ip, res);
    const handler = API_HANDLERS[api];
    if (!handler) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    let running = false;
    try {
      this.admit(api, ip);
      this.inFlight.set(api, (this.inFlight.get(api) ?? 0) + 1);
      running = true;
      const result = handler({ query, body: parseBody(api, method, rawBody), ip }, this.ctx);
      this.counter.count(api, 0);
      json(res, { errcode: 0, errmsg: 'ok', ...result });
    } catch (error) {
      if (!(error instanceof EmuError)) throw error;
      this.counter.count(api, error.errcode);
      json(res, errorPayload(error.errcode, error.message, ip));
    } finally {
      if (running) this.inFlight.set(api, this.inFlight.get(api)! - 1);
    }
  }

  /** What WeCom checks before it runs a call: trusted IPs, rate limits, concurrency. */
  private admit(api: string, ip: string): void {
    const { policy, limits } = this;
    if (api !== 'gettoken' && policy.trustedIps && !policy.trustedIps.includes(ip)) throw new EmuError(60020, ERRMSG[60020]);
    const underCorp =
      limits.hit(`corp|m|${api}`, policy.rateLimitPerMinute, policy.rateWindowMs) &&
      limits.hit(`corp|h|${api}`, policy.rateLimitPerHour, policy.rateWindowMs * 60);
    if (!underCorp || !limits.hit(`ip|${ip}|${api}`, policy.ipRateLimitPerMinute, policy.rateWindowMs)) throw new EmuError(45009, ERRMSG[45009]);
    if (policy.maxConcurrentPerApi && (this.inFlight.get(api) ?? 0) >= policy.maxConcurrentPerApi) throw new EmuError(45033, ERRMSG[45033]);
  }

  private async fail(api: string, f: NonNullable<ReturnType<FaultInjector['take']>['failure']>, ip: string, res: ServerResponse): Promise<void> {
    this.counter.count(api, f.kind === 'busy' || f.kind === 'errcode' ? f.errcode : f.kind);
    switch (f.kind) {
      case 'busy':
      case 'errcode':
        return json(res, errorPayload(f.errcode, ERRMSG[f.errcode] ?? 'error', ip));
      case 'http_error':
        return void res.writeHead(f.status, { 'Content-Type': 'text/html' }).end(`<html><body>${f.status}</body></html>`);
      case 'malformed_json':
        return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"errcode":0,"errmsg":"ok",');
      case 'reset':
        return void res.socket?.destroy();
      case 'timeout':
        await sleep(f.latencyMs);
        return void res.socket?.destroy();
    }
  }
}

function parseBody(api: string, method: string, rawBody: string): Record<string, unknown> | null {
  if (POST_APIS.has(api) && method !== 'POST') throw new EmuError(40058, `${ERRMSG[40058]}: ${api} must be called with POST`);
  if (method !== 'POST') return null;
  try {
    return rawBody ? JSON.parse(rawBody) : {};
  } catch {
    throw new EmuError(40058, 'Warning: wrong json format. invalid parameter');
  }
}

function errorPayload(errcode: number, text: string, ip: string) {
  return { errcode, errmsg: errmsgWithTail(errcode, text, ip) };
}

function json(res: ServerResponse, payload: { errcode: number; errmsg: string }): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=UTF-8' };
  if (payload.errcode !== 0) {
    headers['error-code'] = String(payload.errcode);
    headers['error-msg'] = encodeURIComponent(payload.errmsg.split(',')[0]);
  }
  res.writeHead(200, headers).end(JSON.stringify(payload));
}
