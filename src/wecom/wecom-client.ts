import type { AxiosInstance } from 'axios';
import { backOff } from 'exponential-backoff';
import type { z } from 'zod';
import type { AccessTokenStore, CachedToken } from './access-token.store';
import { parseWecomError } from './parse-wecom-error';
import { RateBudgetFull, type RateBudget } from './rate-budget';
import { redactSecrets } from './redact';
import type { WecomMetrics } from './wecom-metrics';
import { WecomException } from './wecom.exception';
import * as s from './wecom.schemas';

export interface WecomClientOptions {
  timeoutMs: number;
  /** Extra attempts after a busy (-1), network, 5xx, bad-JSON or 45009 failure. */
  maxRetries: number;
  /** First retry delay; doubles per attempt, with full jitter. */
  retryBaseDelayMs: number;
  /** How long an API stays paused after WeCom answers 45009 (its limit window is a minute). */
  rateLimitPauseMs: number;
  /**
   * How long a call made while a member waits (a login) may queue for the rate budget before it is
   * refused as WECOM_RATE_LIMITED (503 + Retry-After); background calls (a sync) wait up to a window.
   */
  interactiveWaitMs?: number;
}

type CallContext = { redirectDomain?: string; subject?: string; interactive?: boolean };

export interface WecomClientDeps {
  http: AxiosInstance;
  tokens: AccessTokenStore;
  budget: RateBudget;
  metrics: WecomMetrics;
  options: WecomClientOptions;
}

type Params = Record<string, string | number | undefined>;

/**
 * One corp + secret. Every call: budget slot → HTTP → errcode → typed result or typed error.
 * The access token is cached in memory and in the shared store, refreshed shortly before expiry
 * by one caller at a time, and replaced once when WeCom says it is invalid (40014/42001).
 */
export class WecomClient {
  private memory: CachedToken | null = null;
  private inflight: Promise<CachedToken> | null = null;

  constructor(
    readonly corpId: string,
    private readonly secret: string,
    /** Identifies (corpId, secret) without revealing the secret. */
    readonly cacheKey: string,
    private readonly deps: WecomClientDeps,
  ) {}

  /** code → identity. Web (QR) logins carry no user_ticket; only in-client privateinfo ones do. */
  async getUserInfoByCode(code: string, ctx: { redirectDomain?: string } = {}): Promise<s.WecomUserInfo> {
    const json = await this.authed('auth/getuserinfo', 'GET', { code }, undefined, { ...ctx, interactive: true });
    const r = this.validate(s.userInfoResponse, json, 'auth/getuserinfo');
    return { userid: r.userid ?? r.UserId ?? null, userTicket: r.user_ticket ?? null, openid: r.openid ?? r.OpenId ?? null };
  }

  /** user_ticket → the sensitive fields the member consented to (mobile, email…). */
  async getUserDetail(userTicket: string): Promise<s.WecomUserDetail> {
    const json = await this.authed('auth/getuserdetail', 'POST', {}, { user_ticket: userTicket }, { interactive: true });
    return this.validate(s.userDetailResponse, json, 'auth/getuserdetail');
  }

  /** `interactive` when a member waits for the answer (a login), so a spent budget refuses instead of queueing. */
  async getUser(userid: string, options: { interactive?: boolean } = {}): Promise<s.WecomUser> {
    const json = await this.authed('user/get', 'GET', { userid }, undefined, { subject: userid, interactive: options.interactive });
    return this.validate(s.wecomUser, json, 'user/get');
  }

  /** One page of (userid, department) rows; contact-sync secret only. */
  async listUserIds(cursor: string | null, limit = 10_000): Promise<s.UserIdPage> {
    const json = await this.authed('user/list_id', 'POST', {}, cursor ? { cursor, limit } : { limit });
    const r = this.validate(s.listIdResponse, json, 'user/list_id');
    return { rows: r.dept_user, nextCursor: r.next_cursor ? r.next_cursor : null };
  }

  /** Every page of user/list_id, one at a time, so the caller never holds more than a page. */
  async *userIdPages(limit = 10_000): AsyncGenerator<s.UserIdPage['rows']> {
    let cursor: string | null = null;
    do {
      const page: s.UserIdPage = await this.listUserIds(cursor, limit);
      yield page.rows;
      cursor = page.nextCursor;
    } while (cursor);
  }

  async listUsers(departmentId: number): Promise<s.WecomUser[]> {
    const json = await this.authed('user/list', 'GET', { department_id: departmentId }, undefined, { subject: String(departmentId) });
    return this.validate(s.userListResponse, json, 'user/list').userlist;
  }

  /** Ids and tree only; the one department reader left to a contact-sync secret on a new IP. */
  async listDepartmentIds(rootId?: number): Promise<s.WecomDepartmentRef[]> {
    const json = await this.authed('department/simplelist', 'GET', { id: rootId });
    return this.validate(s.departmentSimpleListResponse, json, 'department/simplelist').department_id;
  }

  async listDepartments(rootId?: number): Promise<s.WecomDepartment[]> {
    const json = await this.authed('department/list', 'GET', { id: rootId });
    return this.validate(s.departmentListResponse, json, 'department/list').department;
  }

  /** A valid access token, from memory, the shared store, or one gettoken for everyone waiting. */
  async accessToken(replacing?: string): Promise<string> {
    if (replacing) {
      if (this.memory?.token === replacing) this.memory = null;
      await this.deps.tokens.invalidate(this.cacheKey, replacing);
    }
    if (this.memory && usable(this.memory)) return this.memory.token;
    this.inflight ??= this.loadToken().finally(() => (this.inflight = null));
    return (await this.inflight).token;
  }

  private async loadToken(): Promise<CachedToken> {
    const stored = await this.deps.tokens.read(this.cacheKey);
    const token = stored && usable(stored) ? stored : await this.deps.tokens.refresh(this.cacheKey, this.corpId, usable, () => this.fetchToken());
    this.memory = token;
    return token;
  }

  private async fetchToken(): Promise<CachedToken> {
    const json = await this.retrying(() => this.send('gettoken', 'GET', { corpid: this.corpId, corpsecret: this.secret }));
    const r = this.validate(s.tokenResponse, json, 'gettoken');
    // Stop using it a little before WeCom does: 10% of its life, at most five minutes.
    const margin = Math.min(300, Math.floor(r.expires_in / 10));
    return { token: r.access_token, refreshAt: new Date(Date.now() + (r.expires_in - margin) * 1000) };
  }

  private async authed(api: string, method: 'GET' | 'POST', params: Params, body?: object, ctx: CallContext = {}) {
    const token = await this.accessToken();
    try {
      return await this.retrying(() => this.send(api, method, { ...params, access_token: token }, body, ctx));
    } catch (error) {
      if (!(error instanceof WecomException) || error.code !== 'WECOM_TOKEN_INVALID' || error.errcode === 41001) throw error;
      const fresh = await this.accessToken(token);
      return this.retrying(() => this.send(api, method, { ...params, access_token: fresh }, body, ctx));
    }
  }

  private retrying<T>(attempt: () => Promise<T>): Promise<T> {
    const { maxRetries, retryBaseDelayMs } = this.deps.options;
    return backOff(attempt, {
      numOfAttempts: maxRetries + 1,
      startingDelay: retryBaseDelayMs,
      timeMultiple: 2,
      maxDelay: 10_000,
      jitter: 'full',
      // 40001 and friends are never retried: repeating a wrong secret earns a one-hour IP ban. Nor is
      // our own budget's refusal (no errcode): it already said how long to wait.
      retry: (e) => e instanceof WecomException && (e.transient || (e.code === 'WECOM_RATE_LIMITED' && e.errcode !== null)),
    });
  }

  /** One HTTP exchange, counted, inside the rate budget. */
  private async send(api: string, method: 'GET' | 'POST', params: Params, body?: object, ctx: CallContext = {}) {
    const { http, budget, metrics, options } = this.deps;
    const budgetKey = `${this.corpId}:${api}`;
    try {
      await budget.acquire(budgetKey, ctx.interactive ? (options.interactiveWaitMs ?? 5000) : undefined);
    } catch (error) {
      if (!(error instanceof RateBudgetFull)) throw error;
      metrics.record(api, 'budget_full');
      throw new WecomException('WECOM_RATE_LIMITED', `the bridge's budget for WeCom ${api} is spent for now (or WeCom paused it after 45009)`, null, api, {
        retryAfterSeconds: error.retryAfterMs / 1000,
      });
    }
    let res;
    try {
      res = await http.request<string>({
        url: `/cgi-bin/${api}`,
        method,
        params,
        data: body,
        timeout: options.timeoutMs,
        responseType: 'text',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
      });
    } catch (error) {
      metrics.record(api, 'network');
      const e = error as { code?: string; message?: string };
      const why =
        e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' ? `no answer within ${options.timeoutMs} ms` : `${e.code ?? ''} ${e.message ?? ''}`.trim();
      throw new WecomException('WECOM_UNAVAILABLE', `WeCom ${api} could not be reached: ${this.redact(why)}`, null, api);
    }
    if (res.status !== 200) {
      metrics.record(api, `http_${res.status}`);
      throw new WecomException('WECOM_UNAVAILABLE', `WeCom ${api} answered HTTP ${res.status}`, null, api);
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(res.data);
      if (typeof json !== 'object' || json === null) throw new Error('not an object');
    } catch {
      metrics.record(api, 'bad_json');
      throw new WecomException('WECOM_BAD_RESPONSE', `WeCom ${api} answered something that is not JSON`, null, api);
    }
    const errcode = typeof json.errcode === 'number' ? json.errcode : 0;
    metrics.record(api, errcode);
    if (errcode === 0) return json;
    const error = parseWecomError(errcode, this.redact(String(json.errmsg ?? '')), { api, corpId: this.corpId, ...ctx });
    if (error.code === 'WECOM_RATE_LIMITED') budget.block(budgetKey, Date.now() + options.rateLimitPauseMs);
    throw error;
  }

  private validate<T extends z.ZodType>(schema: T, json: unknown, api: string): z.infer<T> {
    const r = schema.safeParse(json);
    if (r.success) return r.data;
    const where = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new WecomException('WECOM_BAD_RESPONSE', `WeCom ${api} answered in an unexpected shape (${where})`, null, api);
  }

  private redact(text: string): string {
    return redactSecrets(text, [this.secret, this.memory?.token]);
  }
}

function usable(t: CachedToken): boolean {
  return t.refreshAt.getTime() > Date.now();
}
