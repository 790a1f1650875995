import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

describe('npm run demo', () => {
  let child: ChildProcess;
  let dir: string;
  let port: number;
  let ready: { bridge: string; emulator: string; adminKey: string; embeddedDatabase: boolean };
  let output = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-demo-'));
    port = await freePortPair();
    const env = { ...process.env };
    delete env.DATABASE_URL; // the embedded database, as on a machine without PostgreSQL
    child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'tools/demo/main.ts', '--port', String(port), '--data-dir', dir, '--members', '40', '--departments', '6'],
      {
        cwd: join(__dirname, '..', '..', '..'),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr!.on('data', (d) => (output += d));
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (l) => {
        output += `${l}\n`;
        if (l.startsWith('READY ')) resolve(l.slice(6));
      });
      child.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${output}`)));
    });
    ready = JSON.parse(line);
  }, 120_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('starts on the embedded database with a first sync and a guide', () => {
    expect(ready).toMatchObject({ bridge: `http://127.0.0.1:${port}`, emulator: `http://127.0.0.1:${port + 1}`, embeddedDatabase: true });
    expect(output).toMatch(/^status\s+succeeded$/m);
    expect(output).toMatch(/members: create\s+\d+/);
    expect(output).toContain(`${ready.bridge}/api/wecom/wecom/login?redirect=/admin`);
    expect(output).toContain(`${ready.bridge}/api/docs`);
  });

  it.each([
    ['QR', false],
    ['in-client', true],
  ])('completes a %s login: NocoBase token and binding', async (_kind, inClient) => {
    const driver = new WecomLoginDriver(ready.bridge);
    const admin = { headers: { Authorization: `Bearer ${ready.adminKey}` } };
    // A member the first sync provisioned (bindings list newest first; any will do).
    const provisioned = (await (await fetch(`${ready.bridge}/api/admin/bindings?pageSize=${inClient ? 2 : 1}`, admin)).json()) as {
      data: Array<{ wecomUserid: string }>;
    };
    const userid = provisioned.data.at(-1)!.wecomUserid;
    const res = await driver.login(userid, { inClient, redirect: '/admin' });
    expect(res.status).toBe(302);
    const handoff = parseHandoff(res.headers.location);
    expect(handoff).toMatchObject({ origin: ready.bridge, path: '/admin', authenticator: 'basic' });
    const landing = (await (await fetch(res.headers.location, { headers: { Accept: 'application/json' } })).json()) as {
      claims: { userId: number };
      binding: { lastLoginAt: string | null };
    };
    expect(landing).toMatchObject({ claims: { userId: expect.any(Number) }, binding: { wecomUserid: userid, nocobaseUserId: landing.claims.userId } });
    expect(landing.binding.lastLoginAt).not.toBeNull();
  });

  it('stops cleanly on Ctrl-C, leaving nothing listening', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(await listening(port)).toBe(false);
    expect(await listening(port + 1)).toBe(false);
  });
});
