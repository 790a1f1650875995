import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { adminRoutes } from './admin-api';
import { ApiDispatcher } from './api-dispatcher';
import type { ApiContext } from './api-handlers';
import { CallCounter, type CallStats } from './call-stats';
import { CallbackSender, type CallbackConfig } from './callbacks';
import { signedInMember, signInAs } from './client-session';
import { EmulatorDirectory } from './directory';
import { FaultInjector } from './faults';
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
  const directory = directoryOf(options);
  const policy: EmuPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const app = appOf(options);
  const contactSecret = options.contactSecret === undefined ? randomSecret() : options.contactSecret;
  const tokens = new TokenIssuer(corpId, () => [app], contactSecret, policy);
  const oauth = new OAuthStore(policy);
  const visibility = new Visibility(directory);
  const faults = new FaultInjector();
  const counter = new CallCounter();
  const callbacks = new CallbackSender(corpId);
  if (options.callbacks) callbacks.configure(options.callbacks);
  directory.onChange((change) => callbacks.onDirectoryChange(change));
  const ctx: ApiContext = { corpId, directory, tokens, oauth, visibility, policy, app: (agentId) => (agentId === app.agentId ? app : null) };
  const apis = new ApiDispatcher(ctx, policy, faults, counter);
  const pages = { corpId, apps: [app], directory, visibility, oauth };

  const emulator = {} as WecomEmulator;
  const admin = adminRoutes(() => emulator);
  /** Every path WeCom serves on its three hosts, plus the emulator's own `/_emulator/…`. */
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const self = `${emulator.baseUrl}${url.pathname}`;
    const ip = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const body = await readBody(req);
    if (url.pathname.startsWith('/cgi-bin/'))
      return apis.dispatch(url.pathname.slice('/cgi-bin/'.length), req.method ?? 'GET', url.searchParams, body, ip, res);
    if (url.pathname === '/connect/oauth2/authorize') return page(res, authorizePage(url.searchParams, pages, self, signedInMember(req)));
    if (url.pathname === '/wwlogin/sso/login') return page(res, webLoginPage(url.searchParams, pages, self, false));
    if (url.pathname === '/wwopen/sso/qrConnect') return page(res, webLoginPage(url.searchParams, pages, self, true));
    if (url.pathname === '/_emulator/as' && req.method === 'GET') return signInAs(url, directory, res);
    if (url.pathname.startsWith('/_emulator/')) return admin(req.method ?? 'GET', url, body, res);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  };
  const server = createServer((req, res) => {
    route(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`emulator error: ${(error as Error).message}`);
    });
  });

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
    stats: () => counter.stats(),
    calls: (api?: string, errcode?: number | string) => counter.calls(api, errcode),
    resetStats: () => counter.reset(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } satisfies WecomEmulator);
  return emulator;
}

function directoryOf(options: EmulatorOptions): EmulatorDirectory {
  if (options.directory instanceof EmulatorDirectory) return options.directory;
  if (options.directory) return directoryFromFixture(options.directory);
  return generateDirectory({ members: options.members ?? 50, departments: options.departments ?? 10, seed: options.seed ?? 1 });
}

/** The self-built app: its AgentId and Secret, trusted domain and visible range (all departments unless set). */
function appOf(options: EmulatorOptions): EmuApp {
  return {
    agentId: options.agentId ?? 1000002,
    secret: options.secret ?? randomSecret(),
    trustedDomain: options.trustedDomain ?? null,
    visibleDepartments: [1],
    visibleUsers: [],
    createdAfter20220620: true,
    sensitiveFieldsEnabled: true,
    ...options.app,
  };
}

const randomSecret = () => randomBytes(32).toString('base64url').slice(0, 43);

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
