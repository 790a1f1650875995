import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseHandoff, WecomLoginDriver } from '../../utils/wecom-login-driver';

/** A port p with p+1 free too (the demo puts the emulator there). */
async function freePortPair(): Promise<number> {
  const listen = (port: number) =>
    new Promise<number | null>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  for (;;) {
    const p = (await listen(0))!;
    if (p < 65534 && (await listen(p + 1)) !== null) return p;
  }
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });

interface Ready {
  bridge: string;
  emulator: string;
  nocobase: string | null;
  signIn: string;
  inClient: string;
  adminKey: string;
  embeddedDatabase: string | null;
  standIn: boolean;
  rss: { demo: number | null };
  timings: Record<string, number>;
}

interface Demo {
  child: ChildProcess;
  ready: Ready;
  output(): string;
  stop(): Promise<number | null>;
}

/** `npm run demo -- --stand-in …` as a person runs it, until it prints READY. */
async function startDemo(dir: string, port: number): Promise<Demo> {
  const env = { ...process.env };
  delete env.DATABASE_URL; // the embedded database, as on a machine without PostgreSQL
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', 'tools/demo/main.ts', '--stand-in', '--port', String(port), '--data-dir', dir, '--members', '40', '--departments', '6'],
    { cwd: join(__dirname, '..', '..', '..'), env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr!.on('data', (d) => (output += d));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      output += `${l}\n`;
      if (l.startsWith('READY ')) resolve(l.slice(6));
    });
    child.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${output}`)));
  });
  return {
    child,
    ready: JSON.parse(line),
    output: () => output,
    stop() {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** A browser's trip through redirects, keeping cookies per host (as a browser would), until a page answers. */
async function follow(url: string, headers: Record<string, string> = {}): Promise<{ url: string; status: number; body: string; hops: string[] }> {
  const jar = new Map<string, Map<string, string>>();
  const hops: string[] = [];
  for (let i = 0; i < 10; i++) {
    const host = new URL(url).host;
    const cookies = [...(jar.get(host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: { ...headers, ...(cookies ? { Cookie: cookies } : {}) } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair.split('=');
      jar.set(host, (jar.get(host) ?? new Map()).set(k, v));
    }
    hops.push(`${res.status} ${url}`);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).toString();
      continue;
    }
    return { url, status: res.status, body: await res.text(), hops };
  }
  throw new Error(`too many redirects: ${hops.join('\n')}`);
}

describe('npm run demo -- --stand-in', () => {
  let dir: string;
  let port: number;
  let demo: Demo;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-demo-'));
    port = await freePortPair();
    demo = await startDemo(dir, port);
  }, 120_000);
  afterAll(() => {
    if (demo?.child.exitCode === null) demo.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('starts on the embedded database with a first sync, and prints its URL and the WeCom console values', () => {
    const { ready } = demo;
    const output = demo.output();
    expect(ready).toMatchObject({ bridge: `http://127.0.0.1:${port}`, emulator: `http://127.0.0.1:${port + 1}`, nocobase: null, standIn: true });
    expect(ready.embeddedDatabase).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(output).toContain(ready.embeddedDatabase);
    expect(output).toMatch(/^status\s+succeeded$/m);
    expect(output).toMatch(/members: create\s+\d+/);
    expect(output).toContain(ready.inClient);
    expect(output).toContain(`${ready.bridge}/signin`);
    expect(output).toMatch(new RegExp(`trusted domain.*\\s127\\.0\\.0\\.1:${port}$`, 'm'));
    expect(output).toMatch(new RegExp(`OAuth redirect URI\\s+${ready.bridge}/api/wecom/wecom/callback$`, 'm'));
    expect(output).toMatch(new RegExp(`homepage.*\\s${ready.bridge}/api/wecom/wecom/login\\?redirect=%2Fadmin$`, 'm'));
    expect(output).toMatch(new RegExp(`callback URL.*\\s${ready.bridge}/api/wecom/wecom/events$`, 'm'));
    expect(ready.rss.demo).toBeGreaterThan(0);
    expect(output).toContain(`${ready.bridge}/api/docs`);
  });

  it("signs in through the printed in-client URL (a state of its own) and lands on the stand-in's landing page", async () => {
    const page = await follow(demo.ready.inClient, { Accept: 'text/html' });
    expect(page.hops.some((h) => h.includes('/connect/oauth2/authorize?') && h.includes('state='))).toBe(true);
    const handoff = parseHandoff(page.url);
    expect(handoff).toMatchObject({ origin: demo.ready.bridge, path: '/admin', authenticator: 'basic' });
    expect(page.status).toBe(200);
    const userid = new URL(demo.ready.inClient).searchParams.get('as')!;
    expect(page.body).toContain(`${userid} → NocoBase user`);
    // Says what it is, and fits a phone: a viewport, and long tokens wrap instead of widening the page.
    expect(page.body).toContain('NocoBase stand-in');
    expect(page.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.body).toMatch(/pre\{white-space:pre-wrap;word-break:break-all/);

    const json = (await (await fetch(page.url, { headers: { Accept: 'application/json' } })).json()) as {
      claims: { userId: number };
      binding: { wecomUserid: string; nocobaseUserId: number; lastLoginAt: string | null };
    };
    expect(json.binding).toMatchObject({ wecomUserid: userid, nocobaseUserId: json.claims.userId });
    expect(json.binding.lastLoginAt).not.toBeNull();
  });

  it('completes a QR login started at the bridge', async () => {
    const admin = { headers: { Authorization: `Bearer ${demo.ready.adminKey}` } };
    const provisioned = (await (await fetch(`${demo.ready.bridge}/api/admin/bindings?pageSize=1`, admin)).json()) as { data: Array<{ wecomUserid: string }> };
    const userid = provisioned.data[0].wecomUserid;
    const res = await new WecomLoginDriver(demo.ready.bridge).login(userid, { inClient: false, redirect: '/admin' });
    expect(res.status).toBe(302);
    expect(parseHandoff(res.headers.location)).toMatchObject({ origin: demo.ready.bridge, path: '/admin', token: expect.any(String) });
  });

  it("sends a refused desktop login to the stand-in's /signin, which shows the reason", async () => {
    const userid = new URL(demo.ready.inClient).searchParams.get('as')!;
    // The member declines to share their mobile on WeCom's consent page.
    const denied = await followDenied(demo.ready.bridge, userid);
    expect(new URL(denied.url).pathname).toBe('/signin');
    const error = new URL(denied.url).searchParams.get('error')!;
    expect(error).toMatch(/cancelled|not authorised/);
    expect(denied.status).toBe(401);
    expect(denied.body).toContain('The WeCom login was refused');
    expect(denied.body).toContain(error.replace(/&/g, '&amp;'));
    expect(denied.body).toContain(`/api/wecom/wecom/login?redirect=${encodeURIComponent('/admin/x')}`);
  });

  it('keeps the WeCom directory between runs, so the start-up sync does not undo an edit', async () => {
    const userid = new URL(demo.ready.inClient).searchParams.get('as')!;
    const patched = await fetch(`${demo.ready.emulator}/_emulator/members/${userid}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: '改过的名字' }),
    });
    expect(patched.status).toBe(200);
    // The contact-change event reaches the bridge, which applies it (a sync run of trigger `event`).
    const admin = { headers: { Authorization: `Bearer ${demo.ready.adminKey}` } };
    for (let i = 0; ; i++) {
      const runs = (await (await fetch(`${demo.ready.bridge}/api/admin/sync-runs?trigger=event`, admin)).json()) as { data: Array<{ status: string }> };
      if (runs.data.some((r) => r.status === 'succeeded')) break;
      if (i > 60) throw new Error(`no event run succeeded: ${JSON.stringify(runs)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await demo.stop()).toBe(0);
    expect(await listening(port)).toBe(false);
    expect(await listening(port + 1)).toBe(false);
    const saved = JSON.parse(readFileSync(join(dir, 'wecom-directory.json'), 'utf8')) as { members: Array<{ userid: string; name: string }> };
    expect(saved.members.find((m) => m.userid === userid)?.name).toBe('改过的名字');

    demo = await startDemo(dir, port);
    expect(demo.output()).toContain('(loaded; edits through the emulator are saved there)');
    expect(demo.output()).toMatch(/^status\s+succeeded$/m);
    // A regenerated directory would rename the member back (an update) and create nothing new either way.
    expect(demo.output()).not.toMatch(/members: (update|create)/);
  }, 120_000);

  it('stops cleanly on Ctrl-C, leaving nothing listening', async () => {
    expect(await demo.stop()).toBe(0);
    expect(await listening(port)).toBe(false);
    expect(await listening(port + 1)).toBe(false);
  });
});

/** An in-client login whose member declines consent on WeCom's page (`consent=deny`), from a desktop browser. */
async function followDenied(bridge: string, userid: string) {
  const start = await fetch(`${bridge}/demo/in-client?as=${userid}&redirect=/admin/x`, { redirect: 'manual' });
  const cookie = start.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const authorize = new URL(start.headers.get('location')!);
  authorize.searchParams.set('consent', 'deny');
  const toCallback = await fetch(authorize, { redirect: 'manual' });
  return follow(toCallback.headers.get('location')!, { Cookie: cookie, Accept: 'text/html' });
}
