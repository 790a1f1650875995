import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appCommand } from '../../tools/nocobase/app';
import { nocobaseServer, serveNocobase, type NocobaseServer } from '../utils/nocobase-server';
import { databaseUrl, withAdminClient } from '../utils/pg-admin';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
export const NOCOBASE_VERSION = process.env.NOCOBASE_VERSION ?? '2.2.15';
const CACHE = process.env.NOCOBASE_CACHE_DIR ?? join(ROOT, '.cache', `nocobase-${NOCOBASE_VERSION}`);

export interface NocobaseApp extends NocobaseServer {
  /** How long each of NocoBase's own commands took, in seconds. */
  timings: Record<string, number>;
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
  let server: ChildProcess | undefined;
  try {
    await nocobase('install', ['install', '-f']);
    await nocobase('pm add', ['pm', 'add', options.plugin.tgz]);
    await nocobase('pm enable', ['pm', 'enable', options.plugin.name]);
    const { command, args, env, cwd } = appCommand(base, ['start', '--port', String(options.port)]);
    const started = Date.now();
    server = await serveNocobase(command, args, { env, cwd }, apiUrl, 180_000);
    timings.start = (Date.now() - started) / 1000;
    const enabled = (await (await fetch(`${apiUrl}/api/pm:listEnabled`)).json()) as { data: Array<{ packageName: string }> };
    if (!enabled.data.some((p) => p.packageName === options.plugin.name)) throw new Error(`${options.plugin.name} is not among NocoBase's enabled plugins`);
  } catch (error) {
    server?.kill('SIGKILL');
    await drop();
    throw error;
  }
  const app = nocobaseServer(server, apiUrl, { url: `http://${options.host}:${options.port}`, databaseUrl: dbUrl, appKey }, drop);
  return { ...app, timings };
}

function readlinkSafe(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
