import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startEmulator, type DirectoryFixture, type WecomEmulator } from '../../tools/emulator';
import { AuthenticatorsService } from '../../src/auth/authenticators/authenticators.service';
import { SyncService } from '../../src/sync/sync.service';
import { createTestApp, type TestApp } from '../utils/create-test-app';
import { emulatorEnv } from '../utils/emulator-env';
import type { TestDatabase } from '../utils/test-database';
import { startNocobaseApp, type NocobaseApp } from './nocobase-app';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
export const PLUGIN = JSON.parse(readFileSync(join(ROOT, 'nocobase-plugin', 'package.json'), 'utf8')).name as string;
export const SCREENSHOTS = join(__dirname, 'screenshots');
export const WECOM_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1 Language/zh';
export const BRIDGE_ADMIN_KEY = 'browser-suite-admin-key-0123456789';
/** The bridge's WECOM_NOCOBASE_AUTHENTICATOR: the NocoBase authenticator of type wecom-bridge the sessions belong to. */
export const NB_AUTHENTICATOR = 'wecom-login';

export interface World {
  nocobase: NocobaseApp;
  emu: WecomEmulator;
  bridge: TestApp;
  /** The bridge as the browser reaches it. */
  bridgeUrl: string;
  /** The emulator as the browser reaches it. */
  wecomUrl: string;
  browser: Browser;
  /** Seconds: packing the plugin, and NocoBase's own install / pm add / pm enable / start. */
  timings: Record<string, number>;
  sync(): Promise<unknown>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `npm run plugin:pack`, exactly as an admin would; its last line is the tarball. */
export async function packPlugin(): Promise<{ tgz: string; seconds: number }> {
  const started = Date.now();
  const { stdout } = await run('npm', ['run', '--silent', 'plugin:pack'], { cwd: ROOT });
  return { tgz: stdout.trim().split('\n').pop()!, seconds: (Date.now() - started) / 1000 };
}

/**
 * A real NocoBase with its UI and our plugin (pm add + pm enable), the emulator, and the bridge in-process on a real
 * port, pointed at NocoBase's database. Hosts: nocobase.localhost, bridge.localhost and wecom.localhost (Chromium
 * resolves *.localhost to loopback), so each has its own cookies as in production; the bridge itself reaches
 * NocoBase and the emulator over 127.0.0.1.
 */
export async function startWorld(
  directory: DirectoryFixture,
  prepare: (nocobase: NocobaseApp, root: string, bridgeUrl: string) => Promise<void>,
): Promise<World> {
  const timings: Record<string, number> = {};
  const packed = await packPlugin();
  timings['plugin:pack'] = packed.seconds;
  const nocobase = await startNocobaseApp({ port: await freePort(), host: 'nocobase.localhost', plugin: { tgz: packed.tgz, name: PLUGIN } });
  Object.assign(timings, nocobase.timings);
  let emu: WecomEmulator | undefined;
  let bridge: TestApp | undefined;
  let browser: Browser | undefined;
  try {
    const bridgePort = await freePort();
    const bridgeUrl = `http://bridge.localhost:${bridgePort}`;
    const root = await nocobase.rootToken();
    // Chinese besides English, as a NocoBase for a WeCom company has it (a page then follows NOCOBASE_LOCALE).
    const languages = await nocobase.api(root, 'POST', 'systemSettings:update?filterByTk=1', { enabledLanguages: ['en-US', 'zh-CN'] });
    if (languages.status !== 200) throw new Error(`systemSettings:update answered ${languages.status}`);
    await prepare(nocobase, root, bridgeUrl);
    emu = await startEmulator({ port: 0, corpId: 'wwbrowser', agentId: 1000002, directory });
    emu.app.createdAfter20220620 = false; // mobiles readable by the sync
    const emuForBrowser = emu.baseUrl.replace('127.0.0.1', 'wecom.localhost');
    bridge = await createTestApp({ url: nocobase.databaseUrl } as TestDatabase, {
      NOCOBASE_JWT_SECRET: nocobase.appKey,
      NOCOBASE_URL: nocobase.url.replace('nocobase.localhost', '127.0.0.1'),
      ...emulatorEnv(emu, { origin: nocobase.url }),
      WECOM_OAUTH_BASE_URL: emuForBrowser,
      WECOM_LOGIN_BASE_URL: emuForBrowser,
      WECOM_BRIDGE_URL: bridgeUrl,
      BRIDGE_PUBLIC_URL: bridgeUrl,
      WECOM_NOCOBASE_AUTHENTICATOR: NB_AUTHENTICATOR,
      WECOM_PROVISION_ON_SYNC: 'true',
      BRIDGE_ADMIN_API_KEY: BRIDGE_ADMIN_KEY,
    });
    await bridge.app.listen(bridgePort, '127.0.0.1');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const app = bridge;
    const world: World = {
      nocobase,
      emu,
      bridge,
      bridgeUrl,
      wecomUrl: emuForBrowser,
      browser,
      timings,
      async sync() {
        const a = await app.app.get(AuthenticatorsService).get('wecom');
        return (await app.app.get(SyncService).trigger(a, 'cli', {})).done;
      },
      async close() {
        await browser?.close();
        await app.close();
        await emu?.close();
        await nocobase.stop();
      },
    };
    return world;
  } catch (error) {
    await browser?.close();
    await bridge?.close();
    await emu?.close();
    await nocobase.stop();
    throw error;
  }
}

/** Screenshots of every step, numbered in the order taken, for a person to look at. */
export function screenshots(prefix: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A run's pictures only: an earlier run's (or a failure's) would pass for this one's.
  for (const f of readdirSync(SCREENSHOTS)) if (f.startsWith(`${prefix}-`) || f.startsWith('FAILED-')) rmSync(join(SCREENSHOTS, f));
  let n = 0;
  return async (page: Page, step: string): Promise<string> => {
    const file = join(SCREENSHOTS, `${prefix}-${String(++n).padStart(2, '0')}-${step}.png`);
    await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
    return file;
  };
}

/** A desktop browser, or the WeCom client's webview (its user agent says wxwork/), speaking Chinese or English. */
export async function newContext(browser: Browser, options: { inClient?: boolean; locale?: 'zh-CN' | 'en-US' } = {}): Promise<BrowserContext> {
  const locale = options.locale ?? 'en-US';
  const context = await browser.newContext({
    viewport: options.inClient ? { width: 414, height: 860 } : { width: 1280, height: 860 },
    userAgent: options.inClient ? WECOM_UA : undefined,
    locale,
  });
  // NocoBase keeps the chosen language in localStorage; a Chinese-speaking member has chosen Chinese.
  await context.addInitScript((lang) => {
    const w = globalThis as unknown as {
      location: { hostname: string };
      localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
    };
    if (w.location.hostname.startsWith('nocobase.') && !w.localStorage.getItem('NOCOBASE_LOCALE')) w.localStorage.setItem('NOCOBASE_LOCALE', lang);
  }, locale);
  return context;
}

/** `auth:check` from inside the page, with the token and authenticator NocoBase's client stored. */
export function authCheckFromPage(page: Page): Promise<{ status: number; authenticator: string | null; user: { id: number; nickname: string } | null }> {
  return page.evaluate(async () => {
    // Runs in the page (the root tsconfig has no DOM types).
    const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage;
    const token = storage.getItem('NOCOBASE_TOKEN');
    const authenticator = storage.getItem('NOCOBASE_AUTH');
    const res = await fetch('/api/auth:check', {
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(authenticator ? { 'X-Authenticator': authenticator } : {}) },
    });
    const body = (await res.json().catch(() => null)) as { data?: { id: number; nickname: string } } | null;
    return { status: res.status, authenticator, user: body?.data ?? null };
  });
}

/**
 * The pictures the README shows (docs/screenshots/, committed), refreshed with `DOCS_SCREENSHOTS=1`: ports and ids
 * differ on every run, so an ordinary run leaves the committed ones alone.
 */
export function copyToDocs(file: string, name: string): void {
  if (process.env.DOCS_SCREENSHOTS !== '1') return;
  const docs = join(ROOT, 'docs', 'screenshots');
  mkdirSync(docs, { recursive: true });
  copyFileSync(file, join(docs, name));
}

export interface Sessions {
  /** A fresh browser context (a device) and page; closed after the test. */
  open(options?: Parameters<typeof newContext>[1]): Promise<{ context: BrowserContext; page: Page }>;
  /** A test whose open pages are photographed when it fails: what the page showed says more than a timeout. */
  scenario(name: string, fn: () => Promise<void>): void;
}

export function browserSessions(world: () => World): Sessions {
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  return {
    async open(options = {}) {
      const context = await newContext(world().browser, options);
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      return { context, page };
    },
    scenario(name, fn) {
      it(name, async () => {
        try {
          await fn();
        } catch (error) {
          mkdirSync(SCREENSHOTS, { recursive: true });
          const pages = contexts.flatMap((c) => c.pages());
          for (const [i, p] of pages.entries())
            await p.screenshot({ path: join(SCREENSHOTS, `FAILED-${name.slice(0, 40).replace(/\W+/g, '-')}-${i}.png`) }).catch(() => undefined);
          throw error;
        }
      });
    },
  };
}
