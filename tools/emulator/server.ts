import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { adminRoutes } from './admin-api';
import { API_HANDLERS, POST_APIS, type ApiContext } from './api-handlers';
import { CallbackSender, type CallbackConfig } from './callbacks';
import { signedInMember, signInAs } from './client-session';
import { EmulatorDirectory } from './directory';
import { EmuError, ERRMSG, errmsgWithTail } from './emu-error';
import { FaultInjector, WindowCounter } from './faults';
import { directoryFromFixture, type DirectoryFixture } from './fixture';
import { generateDirectory } from './generator';
import { DEFAULT_POLICY, type EmuApp, type EmuPolicy } from './model';
import { authorizePage, OAuthStore, renderPage, webLoginPage, type PageResult } from './oauth';
import { TokenIssuer } from './tokens';
import { Visibility } from './visibility';

export interface EmulatorOptions {
  port?: number;
  host?: string;
  corpId?: string;
  agentId?: number;
  secret?: string;
  contactSecret?: string | null;
  /** host[:port] OAuth redirects must use; unset = any host (local use). */
  trustedDomain?: string | null;
  /** A directory, a fixture object, or generator settings. */
  directory?: EmulatorDirectory | DirectoryFixture;
  members?: number;
  departments?: number;
  seed?: number;
  app?: Partial<Omit<EmuApp, 'agentId' | 'secret'>>;
  policy?: Partial<EmuPolicy>;
  callbacks?: CallbackConfig;
}

export interface CallStats {
  api: string;
  errcode: number | string;
  count: number;
}

export interface WecomEmulator {
  baseUrl: string;
  corpId: string;
  agentId: number;
  secret: string;
  contactSecret: string | null;
  directory: EmulatorDirectory;
  app: EmuApp;
  policy: EmuPolicy;
  faults: FaultInjector;
  tokens: TokenIssuer;
  oauth: OAuthStore;
  callbacks: CallbackSender;
  /** Calls by API and errcode. */
  stats(): CallStats[];
  calls(api?: string, errcode?: number | string): number;
  resetStats(): void;
  close(): Promise<void>;
}

/** Starts an emulated WeCom on one base URL serving qyapi, open.weixin and login.work paths. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<WecomEmulator> {
  const corpId = options.corpId ?? 'wwemulator0000001';
  const directory =
    options.directory instanceof EmulatorDirectory
      ? options.directory
      : options.directory
        ? directoryFromFixture(options.directory)
        : generateDirectory({ members: options.members ?? 50, departments: options.departments ?? 10, seed: options.seed ?? 1 });
  const policy: EmuPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const app: EmuApp = {
    agentId: options.agentId ?? 1000002,
    secret: options.secret ?? randomBytes(32).toString('base64url').slice(0, 43),
    trustedDomain: options.trustedDomain ?? null,
    visibleDepartments: [1],
    visibleUsers: [],
    createdAfter20220620: true,
    sensitiveFieldsEnabled: true,
    ...options.app,
  };
  const contactSecret = options.contactSecret === undefined ? randomBytes(32).toString('base64url').slice(0, 43) : options.contactSecret;
  const tokens = new TokenIssuer(corpId, () => [app], contactSecret, policy);
  const oauth = new OAuthStore(policy);
  const visibility = new Visibility(directory);
  const faults = new FaultInjector();
  const limits = new WindowCounter();
  const callbacks = new CallbackSender(corpId);
  if (options.callbacks) callbacks.configure(options.callbacks);
  directory.onChange((change) => callbacks.onDirectoryChange(change));
  const ctx: ApiContext = { corpId, directory, tokens, oauth, visibility, policy, app: (agentId) => (agentId === app.agentId ? app : null) };
  const counts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const count = (api: string, errcode: number | string) => counts.set(`${api}\u0000${errcode}`, (counts.get(`${api}\u0000${errcode}`) ?? 0) + 1);

  const emulator = {} as WecomEmulator;
  const admin = adminRoutes(() => emulator);

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`emulator error: ${(error as Error).message}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const ip = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const body = await readBody(req);
    if (url.pathname.startsWith('/cgi-bin/')) return api(url.pathname.slice('/cgi-bin/'.length), req.method ?? 'GET', url.searchParams, body, ip, res);
    if (url.pathname === '/connect/oauth2/authorize')
      return page(res, authorizePage(url.searchParams, pageCtx(), `${emulator.baseUrl}${url.pathname}`, signedInMember(req)));
    if (url.pathname === '/wwlogin/sso/login') return page(res, webLoginPage(url.searchParams, pageCtx(), `${emulator.baseUrl}${url.pathname}`, false));
    if (url.pathname === '/wwopen/sso/qrConnect') return page(res, webLoginPage(url.searchParams, pageCtx(), `${emulator.baseUrl}${url.pathname}`, true));
    if (url.pathname === '/_emulator/as' && req.method === 'GET') return signInAs(url, directory, res);
    if (url.pathname.startsWith('/_emulator/')) return admin(req.method ?? 'GET', url, body, res);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }

  function pageCtx() {
    return { corpId, apps: [app], directory, visibility, oauth };
  }

  async function api(path: string, method: string, query: URLSearchParams, rawBody: string, ip: string, res: ServerResponse): Promise<void> {
    const fault = faults.take(path);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.failure) {
      const f = fault.failure;
      count(path, f.kind === 'busy' || f.kind === 'errcode' ? f.errcode : f.kind);
      switch (f.kind) {
        case 'busy':
        case 'errcode':
          return json(res, path, fail(f.errcode, ERRMSG[f.errcode] ?? 'error', ip));
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
    const handler = API_HANDLERS[path];
    if (!handler) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    const key = `${path}`;
    let running = false;
    try {
      if (path !== 'gettoken' && policy.trustedIps && !policy.trustedIps.includes(ip)) throw new EmuError(60020, ERRMSG[60020]);
      const underCorp =
        limits.hit(`corp|m|${key}`, policy.rateLimitPerMinute, policy.rateWindowMs) &&
        limits.hit(`corp|h|${key}`, policy.rateLimitPerHour, policy.rateWindowMs * 60);
      if (!underCorp || !limits.hit(`ip|${ip}|${key}`, policy.ipRateLimitPerMinute, policy.rateWindowMs)) throw new EmuError(45009, ERRMSG[45009]);
      if (policy.maxConcurrentPerApi && (inFlight.get(key) ?? 0) >= policy.maxConcurrentPerApi) throw new EmuError(45033, ERRMSG[45033]);
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      running = true;
      if (POST_APIS.has(path) && method !== 'POST') throw new EmuError(40058, `${ERRMSG[40058]}: ${path} must be called with POST`);
      let body: Record<string, unknown> | null = null;
      if (method === 'POST') {
        try {
          body = rawBody ? JSON.parse(rawBody) : {};
        } catch {
          throw new EmuError(40058, 'Warning: wrong json format. invalid parameter');
        }
      }
      const result = handler({ query, body, ip }, ctx);
      count(path, 0);
      json(res, path, { errcode: 0, errmsg: 'ok', ...result });
    } catch (error) {
      if (!(error instanceof EmuError)) throw error;
      count(path, error.errcode);
      json(res, path, fail(error.errcode, error.message, ip));
    } finally {
      if (running) inFlight.set(key, inFlight.get(key)! - 1);
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  Object.assign(emulator, {
    baseUrl: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    corpId,
    agentId: app.agentId,
    secret: app.secret,
    contactSecret,
    directory,
    app,
    policy,
    faults,
    tokens,
    oauth,
    callbacks,
    stats: () =>
      [...counts].map(([k, n]) => {
        const [apiName, errcode] = k.split('\u0000');
        return { api: apiName, errcode: /^-?\d+$/.test(errcode) ? Number(errcode) : errcode, count: n };
      }),
    calls: (apiName?: string, errcode?: number | string) =>
      emulator
        .stats()
        .filter((s) => (apiName === undefined || s.api === apiName) && (errcode === undefined || s.errcode === errcode))
        .reduce((n, s) => n + s.count, 0),
    resetStats: () => counts.clear(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } satisfies WecomEmulator);
  return emulator;
}

function fail(errcode: number, text: string, ip: string) {
  return { errcode, errmsg: errmsgWithTail(errcode, text, ip) };
}

function json(res: ServerResponse, _api: string, payload: { errcode: number; errmsg: string }): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=UTF-8' };
  if (payload.errcode !== 0) {
    headers['error-code'] = String(payload.errcode);
    headers['error-msg'] = encodeURIComponent(payload.errmsg.split(',')[0]);
  }
  res.writeHead(200, headers).end(JSON.stringify(payload));
}

function page(res: ServerResponse, result: PageResult): void {
  if (result.kind === 'redirect') return void res.writeHead(302, { Location: result.location }).end();
  res.writeHead(result.status, { 'Content-Type': 'text/html; charset=utf-8' }).end(renderPage(result));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
