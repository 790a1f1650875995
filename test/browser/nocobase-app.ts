import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appCommand } from '../../tools/nocobase/app';
import { databaseUrl, withAdminClient } from '../utils/pg-admin';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
export const NOCOBASE_VERSION = process.env.NOCOBASE_VERSION ?? '2.2.15';
const CACHE = process.env.NOCOBASE_CACHE_DIR ?? join(ROOT, '.cache', `nocobase-${NOCOBASE_VERSION}`);

export interface NocobaseApp {
  /** Where the browser opens it. */
  url: string;
  databaseUrl: string;
  appKey: string;
  /** How long each of NocoBase's own commands took, in seconds. */
  timings: Record<string, number>;
  rootToken(): Promise<string>;
  /** NocoBase's REST API over 127.0.0.1 (as authenticator `basic` unless a header says otherwise). */
  api(
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/**
 * The whole NocoBase with its UI (tools/nocobase/app.js) on a fresh database, with a plugin tarball added and
 * enabled by NocoBase's own `pm add` / `pm enable` before it starts, the way an admin installs it.
 * `host` is the name the browser uses (e.g. nocobase.localhost: Chromium resolves *.localhost to loopback).
 */
export async function startNocobaseApp(options: { port: number; host: string; plugin: { tgz: string; name: string } }): Promise<NocobaseApp> {
  const name = `wb_ui_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  const dbUrl = databaseUrl(name);
  const appKey = `browser-app-key-${randomBytes(12).toString('hex')}`;
  const base = { dir: CACHE, databaseUrl: dbUrl, appKey, port: options.port };
  const timings: Record<string, number> = {};
  const nocobase = async (label: string, args: string[]) => {
    const { command, args: argv, env, cwd } = appCommand(base, args);
    const started = Date.now();
    let output: { stdout: string; stderr: string };
    try {
      output = await run(command, argv, { env, cwd, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`nocobase ${args.join(' ')} failed: ${e.message}\n${(e.stderr ?? '').slice(-3000)}\n${(e.stdout ?? '').slice(-3000)}`);
    }
    // `pm enable` reports a plugin it cannot load as an error log line and still exits 0.
    const failure = `${output.stdout}\n${output.stderr}`.split('\n').find((line) => line.includes('"level":"error"'));
    if (args[0] === 'pm' && failure) throw new Error(`nocobase ${args.join(' ')} failed: ${failure.slice(0, 2000)}`);
    timings[label] = (Date.now() - started) / 1000;
  };
  const storage = join(CACHE, 'storage', name);
  // The database, its storage (the unpacked plugin) and pm add's link to it in the shared node_modules.
  const drop = async () => {
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    const link = join(CACHE, 'node_modules', ...options.plugin.name.split('/'));
    if (readlinkSafe(link)?.startsWith(storage)) rmSync(link, { force: true });
    rmSync(storage, { recursive: true, force: true });
  };
  const apiUrl = `http://127.0.0.1:${options.port}`;
  let child: ChildProcess | null = null;
  try {
    await nocobase('install', ['install', '-f']);
    await nocobase('pm add', ['pm', 'add', options.plugin.tgz]);
    await nocobase('pm enable', ['pm', 'enable', options.plugin.name]);
    const { command, args, env, cwd } = appCommand(base, ['start', '--port', String(options.port)]);
    const started = Date.now();
    child = spawn(command, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const deadline = Date.now() + 180_000;
    for (;;) {
      // Booting: 503 (APP_COMMANDING); up: auth:check without a token is a 401.
      const up = await fetch(`${apiUrl}/api/auth:check`).then(
        (r) => r.status === 401,
        () => false,
      );
      if (up) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`NocoBase did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    timings.start = (Date.now() - started) / 1000;
    const enabled = (await (await fetch(`${apiUrl}/api/pm:listEnabled`)).json()) as { data: Array<{ packageName: string }> };
    if (!enabled.data.some((p) => p.packageName === options.plugin.name)) throw new Error(`${options.plugin.name} is not among NocoBase's enabled plugins`);
  } catch (error) {
    child?.kill('SIGKILL');
    await drop();
    throw error;
  }
  const server = child;

  const api: NocobaseApp['api'] = async (token, method, path, body, headers = {}) => {
    const res = await fetch(`${apiUrl}/api/${path}`, {
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
    url: `http://${options.host}:${options.port}`,
    databaseUrl: dbUrl,
    appKey,
    timings,
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

function readlinkSafe(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
