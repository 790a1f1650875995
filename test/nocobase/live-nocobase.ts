import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { databaseUrl, withAdminClient } from '../utils/pg-admin';
import type { Naming } from '../utils/nocobase-fixture';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SERVE = join(ROOT, 'tools', 'nocobase', 'serve.js');
export const NOCOBASE_VERSION = process.env.NOCOBASE_VERSION ?? '2.2.15';
const CACHE = process.env.NOCOBASE_CACHE_DIR ?? join(ROOT, '.cache', `nocobase-${NOCOBASE_VERSION}`);

export interface LiveNocobase {
  url: string;
  databaseUrl: string;
  appKey: string;
  /** A root session, signed in with the fresh install's admin@nocobase.com / admin123. */
  rootToken(): Promise<string>;
  /** NocoBase's REST API: `{ status, body, headers }`. */
  api(
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/** A real NocoBase from the registry (tools/nocobase/install.js), installed into a fresh database and serving HTTP. */
export async function startLiveNocobase(naming: Naming, port: number): Promise<LiveNocobase> {
  const name = `wb_nb_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  const dbUrl = databaseUrl(name);
  const appKey = `compat-app-key-${randomBytes(12).toString('hex')}`;
  const args = ['--dir', CACHE, '--database-url', dbUrl, '--app-key', appKey, ...(naming === 'snake' ? ['--underscored'] : [])];
  const drop = () => withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  let child: ChildProcess | null = null;
  const url = `http://127.0.0.1:${port}`;
  try {
    await run(process.execPath, [SERVE, 'install', ...args], { timeout: 300_000 });
    child = spawn(process.execPath, [SERVE, 'start', ...args, '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const deadline = Date.now() + 120_000;
    for (;;) {
      // While it boots NocoBase answers 503 (APP_COMMANDING); once up, auth:check without a token is a 401.
      const ok = await fetch(`${url}/api/auth:check`).then(
        (r) => r.status === 401 || r.status === 200,
        () => false,
      );
      if (ok) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`NocoBase did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (error) {
    // A NocoBase that never came up leaves neither a process nor its database behind.
    child?.kill('SIGKILL');
    await drop();
    throw error;
  }
  const server = child;

  const api: LiveNocobase['api'] = async (token, method, path, body, headers = {}) => {
    const res = await fetch(`${url}/api/${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-Authenticator': 'basic', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  let root: string | null = null;
  return {
    url,
    databaseUrl: dbUrl,
    appKey,
    api,
    async rootToken() {
      if (root) return root;
      const res = await api(null, 'POST', 'auth:signIn', { account: 'admin@nocobase.com', password: 'admin123' });
      if (res.status !== 200) throw new Error(`root sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
      return (root = res.body.data.token as string);
    },
    async stop() {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
      await drop();
    },
  };
}
