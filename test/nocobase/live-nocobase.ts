import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { databaseUrl, withAdminClient } from '../utils/pg-admin';
import type { Naming } from '../utils/nocobase-fixture';
import { nocobaseServer, serveNocobase, type NocobaseServer } from '../utils/nocobase-server';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SERVE = join(ROOT, 'tools', 'nocobase', 'serve.js');
export const NOCOBASE_VERSION = process.env.NOCOBASE_VERSION ?? '2.2.15';
const CACHE = process.env.NOCOBASE_CACHE_DIR ?? join(ROOT, '.cache', `nocobase-${NOCOBASE_VERSION}`);

export type LiveNocobase = NocobaseServer;

/** A real NocoBase from the registry (tools/nocobase/install.js), installed into a fresh database and serving HTTP. */
export async function startLiveNocobase(naming: Naming, port: number): Promise<LiveNocobase> {
  const name = `wb_nb_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  const dbUrl = databaseUrl(name);
  const appKey = `compat-app-key-${randomBytes(12).toString('hex')}`;
  const args = ['--dir', CACHE, '--database-url', dbUrl, '--app-key', appKey, ...(naming === 'snake' ? ['--underscored'] : [])];
  const drop = () => withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const url = `http://127.0.0.1:${port}`;
  let server: ChildProcess;
  try {
    await run(process.execPath, [SERVE, 'install', ...args], { timeout: 300_000 });
    server = await serveNocobase(process.execPath, [SERVE, 'start', ...args, '--port', String(port)], {}, url, 120_000);
  } catch (error) {
    // A NocoBase that never came up leaves neither a process nor its database behind.
    await drop();
    throw error;
  }
  return nocobaseServer(server, url, { url, databaseUrl: dbUrl, appKey }, drop);
}
