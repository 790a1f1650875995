import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser } from 'playwright-core';
import { authCheckFromPage, copyToDocs, freePort, newContext, screenshots } from './world';

const ROOT = join(__dirname, '..', '..');
const shot = screenshots('demo');

/** A port p with p+1 free too (the demo puts the emulator there). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    const next = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p + 1, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (p < 65534 && next) return p;
  }
}

/**
 * `npm run demo` as a newcomer runs it — the real NocoBase 2.2.15 from `.cache/` on the embedded database, with the
 * packed plugin added and enabled by NocoBase's own commands — then a WeCom sign-in through the button in Chromium.
 */
describe('npm run demo, in Chromium', () => {
  let dir: string;
  let demo: ChildProcess;
  let output = '';
  let ready: { signIn: string; nocobase: string; emulator: string; inClient: string; rss: Record<string, number>; timings: Record<string, number> };
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-demo-browser-'));
    const [port, nocobasePort] = [await freePortPair(), await freePort()];
    const env = { ...process.env };
    delete env.DATABASE_URL;
    demo = spawn(
      'npm',
      ['run', 'demo', '--', '--port', String(port), '--nocobase-port', String(nocobasePort), '--data-dir', dir, '--members', '30', '--departments', '4'],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    demo.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: demo.stdout! }).on('line', (l) => {
        output = `${output}${l}\n`.slice(-20_000);
        if (l.startsWith('READY ')) resolve(l.slice(6));
      });
      demo.once('exit', (code) => reject(new Error(`npm run demo exited with ${code}:\n${output}`)));
    });
    ready = JSON.parse(line);
    console.log(`demo ready: ${JSON.stringify({ timings: ready.timings, rss: ready.rss })}`);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    // npm, the demo and NocoBase form one process group (detached above): Ctrl-C reaches all of them, as in a terminal.
    const running = () => demo && demo.exitCode === null && demo.signalCode === null;
    if (running()) {
      const exited = new Promise((r) => demo.once('exit', r));
      process.kill(-demo.pid!, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    }
    try {
      process.kill(-demo.pid!, 'SIGKILL'); // whatever of the group is left
    } catch {
      // the whole group has exited
    }
    demo?.stdout?.destroy();
    demo?.stderr?.destroy();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it("shows NocoBase's real sign-in page with the WeCom button, and a login through it ends in NocoBase's UI", async () => {
    expect(ready.nocobase).toBeTruthy();
    expect(output).toContain('Preparing NocoBase');
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(90_000);
      await page.goto(ready.signIn);
      const button = page.locator('[data-wecom-bridge-authenticator="wecom"] button');
      await button.waitFor();
      await page.locator('input[type="password"]').waitFor();
      expect(await button.textContent()).toContain('企业微信');
      copyToDocs(await shot(page, 'signin'), 'demo-signin.png');

      await button.click();
      await page.waitForURL((u) => u.href.startsWith(ready.emulator) && u.pathname === '/wwlogin/sso/login');
      const someone = new URL(ready.inClient).searchParams.get('as')!;
      await page.getByRole('searchbox').fill(someone);
      await page.getByRole('button', { name: /搜索/ }).click();
      const member = page.getByRole('link', { name: new RegExp(`\\(${someone}\\)$`) });
      await member.waitFor();
      const name = (await member.textContent())!.replace(/\s*\(.*\)$/, '').trim();
      await member.click();

      await page.waitForURL((u) => u.href.startsWith(ready.nocobase) && u.pathname.startsWith('/admin') && !u.searchParams.has('token'));
      await page.locator('[data-testid="user-center-button"]').hover();
      await page.getByText(name, { exact: true }).first().waitFor();
      await shot(page, 'signed-in');
      expect(await authCheckFromPage(page)).toMatchObject({ status: 200, authenticator: 'wecom', user: { nickname: name } });
    } finally {
      await context.close();
    }
  });
});
