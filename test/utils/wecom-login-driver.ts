import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

export const WECOM_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1 Language/zh';
export const DESKTOP_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/130.0 Safari/537.36';

export interface LoginStep {
  /** The bridge's answer to /login: 302 to WeCom, with the nonce cookie. */
  authorizeUrl: string;
  cookie: string;
  state: string;
}

/**
 * Drives a login the way a browser would, through real HTTP redirects: the bridge's /login,
 * the emulator's authorize or QR page (as=<userid> stands in for the human), and back to the
 * bridge's callback with the browser's cookie.
 */
export class WecomLoginDriver {
  /** `target`: the app in-process, or the base URL of a bridge listening elsewhere (the demo). */
  constructor(
    private readonly target: INestApplication | string,
    private readonly name = 'wecom',
  ) {}

  private http() {
    return request(typeof this.target === 'string' ? this.target : this.target.getHttpServer());
  }

  async start(opts: { inClient: boolean; redirect?: string; name?: string }): Promise<LoginStep> {
    const res = await this.http()
      .get(`/api/wecom/${opts.name ?? this.name}/login`)
      .query(opts.redirect === undefined ? {} : { redirect: opts.redirect })
      .set('User-Agent', opts.inClient ? WECOM_UA : DESKTOP_UA);
    if (res.status !== 302) throw new Error(`login start answered ${res.status}: ${JSON.stringify(res.body)}`);
    const authorizeUrl = res.headers.location as string;
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
    const state = new URL(authorizeUrl.replace('#wechat_redirect', '')).searchParams.get('state')!;
    return { authorizeUrl, cookie, state };
  }

  /** The emulator acts as `as` and answers with a 302 to the bridge's callback. */
  async authorize(step: LoginStep, as: string, extra: Record<string, string> = {}): Promise<string> {
    const url = new URL(step.authorizeUrl.replace('#wechat_redirect', ''));
    url.searchParams.set('as', as);
    for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
    const res = await fetch(url, { redirect: 'manual', headers: { 'User-Agent': WECOM_UA } });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`emulator answered ${res.status}: ${await res.text()}`);
    return location;
  }

  /** Follows the emulator's redirect into the bridge (path and query only: the test talks to the app in-process). */
  async callback(callbackUrl: string, opts: { cookie?: string; inClient: boolean }) {
    const url = new URL(callbackUrl);
    const req = this.http()
      .get(`${url.pathname}${url.search}`)
      .set('User-Agent', opts.inClient ? WECOM_UA : DESKTOP_UA);
    if (opts.cookie) req.set('Cookie', opts.cookie);
    return req;
  }

  /** The whole round trip; returns the bridge's final answer. */
  async login(as: string, opts: { inClient: boolean; redirect?: string; extra?: Record<string, string>; name?: string }) {
    const step = await this.start(opts);
    const callbackUrl = await this.authorize(step, as, opts.extra);
    return this.callback(callbackUrl, { cookie: step.cookie, inClient: opts.inClient });
  }
}

/** The hand-off NocoBase receives: `<origin><path>?authenticator=…&token=…`. */
export function parseHandoff(location: string): { origin: string; path: string; authenticator: string | null; token: string | null; error: string | null } {
  const url = new URL(location);
  return {
    origin: url.origin,
    path: url.pathname,
    authenticator: url.searchParams.get('authenticator'),
    token: url.searchParams.get('token'),
    error: url.searchParams.get('error'),
  };
}
