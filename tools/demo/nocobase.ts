import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { appCommand } from '../nocobase/app';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
export const NOCOBASE_VERSION = process.env.NOCOBASE_VERSION ?? '2.2.15';
const PLUGIN = JSON.parse(readFileSync(join(ROOT, 'nocobase-plugin', 'package.json'), 'utf8')).name as string;
/**
 * Enabled by the demo: the plugin, and NocoBase's departments (not enabled by `install -f`), so the sync's departments
 * and memberships show in NocoBase; without it the bridge plans the departments on every run and applies none.
 */
const ENABLED = [PLUGIN, '@nocobase/plugin-departments'];
/** NocoBase's root account from `install -f` (tools/nocobase/app.js sets INIT_ROOT_*). */
export const NOCOBASE_ROOT = { email: 'admin@nocobase.com', password: 'admin123' };
/** As measured here: `npm install` of @nocobase/app 2.2.15 from the registry, and install -f + pm add + pm enable. */
const INSTALL_TIME = 'about 2 minutes';
const PREPARE_TIME = '1 to 6 minutes, the longer on a busy machine';

export interface DemoNocobase {
  url: string;
  pid: number;
  /** Seconds per step of this start (install, prepare, start). */
  timings: Record<string, number>;
  /** Where NocoBase's output goes. */
  logFile: string;
  /** NocoBase's REST API as root. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/**
 * The whole NocoBase (`@nocobase/app` with its UI, installed once into `.cache/`) on the demo's database, with the
 * packed plugin added and enabled by NocoBase's own `pm add` / `pm enable` the first time a data folder is used.
 * Its storage (the unpacked plugin, uploads, logs) lives in `<dataDir>/nocobase`.
 */
export async function startNocobase(
  options: { dataDir: string; databaseUrl: string; port: number; appKey: string },
  /** Called with the way to stop NocoBase as soon as it has been spawned (Ctrl-C during its start stops it too). */
  onSpawn: (stop: () => Promise<void>) => void,
): Promise<DemoNocobase> {
  const timings: Record<string, number> = {};
  const cache = await ensureInstalled(timings);
  const storage = join(options.dataDir, 'nocobase');
  mkdirSync(storage, { recursive: true });
  const logFile = join(storage, 'nocobase.log');
  const base = { dir: cache, databaseUrl: options.databaseUrl, port: options.port, appKey: options.appKey, storage };
  const marker = join(storage, 'prepared.json');

  const prepared = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { plugins?: string[] }) : null;
  if (!prepared) {
    console.log(`Preparing NocoBase in ${storage}: install -f, then the plugin with pm add and pm enable (${PREPARE_TIME}; first run only)…`);
    const started = Date.now();
    await nocobase(base, logFile, ['install', '-f']);
    const tgz = await packPlugin();
    await nocobase(base, logFile, ['pm', 'add', tgz]);
    await nocobase(base, logFile, ['pm', 'enable', ...ENABLED]);
    writeFileSync(
      marker,
      JSON.stringify({ version: NOCOBASE_VERSION, plugins: ENABLED, sha256: createHash('sha256').update(readFileSync(tgz)).digest('hex') }, null, 2),
    );
    timings.prepare = seconds(started);
  } else {
    linkPlugin(cache, storage);
  }
  if (prepared && ENABLED.some((p) => !prepared.plugins?.includes(p))) {
    // A data folder an earlier demo prepared, before it enabled NocoBase's departments.
    const started = Date.now();
    await nocobase(base, logFile, ['pm', 'enable', ...ENABLED]);
    writeFileSync(marker, JSON.stringify({ ...prepared, plugins: ENABLED }, null, 2));
    timings.prepare = seconds(started);
  }

  const started = Date.now();
  const { command, args, env, cwd } = appCommand(base, ['start', '--port', String(options.port)]);
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(command, args, { env, cwd, stdio: ['ignore', out, out] });
  closeSync(out);
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  onSpawn(stop);
  try {
    const deadline = Date.now() + 240_000;
    for (;;) {
      // Booting: 503 (APP_COMMANDING) or no answer; up: auth:check without a token is a 401.
      const up = await fetch(`${url}/api/auth:check`).then(
        (r) => r.status === 401,
        () => false,
      );
      if (up) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`NocoBase did not start (see ${logFile}):\n${tail(logFile)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  timings.start = seconds(started);

  let token: string | null = null;
  const call = async (method: string, path: string, body?: unknown, bearer?: string | null) => {
    const res = await fetch(`${url}/api/${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-Authenticator': 'basic', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  };
  return {
    url,
    pid: child.pid!,
    timings,
    logFile,
    async api(method, path, body) {
      if (!token) {
        const signIn = await call('POST', 'auth:signIn', { account: NOCOBASE_ROOT.email, password: NOCOBASE_ROOT.password });
        if (signIn.status !== 200) throw new Error(`NocoBase root sign-in failed: ${signIn.status} ${JSON.stringify(signIn.body)}`);
        token = signIn.body.data.token as string;
      }
      return call(method, path, body, token);
    },
    stop,
  };
}

/**
 * The NocoBase authenticator of type wecom-bridge (the plugin's) that puts the button on the sign-in page, created
 * through NocoBase's API or brought up to date (the bridge's URL changes with --port).
 */
export async function ensureWecomAuthenticator(nb: DemoNocobase, name: string, options: { bridgeUrl: string; bridgeAuthenticator: string; title: string }) {
  const list = await nb.api('GET', `authenticators:list?paginate=false&filter=${encodeURIComponent(JSON.stringify({ name }))}`);
  if (list.status !== 200) throw new Error(`authenticators:list answered ${list.status}: ${JSON.stringify(list.body)}`);
  const existing = (list.body.data as Array<{ id: number; name: string }>).find((a) => a.name === name);
  const values = {
    authType: 'wecom-bridge',
    title: options.title,
    enabled: true,
    options: { bridgeUrl: options.bridgeUrl, bridgeAuthenticator: options.bridgeAuthenticator, autoLogin: true },
  };
  const res = existing
    ? await nb.api('POST', `authenticators:update?filterByTk=${existing.id}`, values)
    : await nb.api('POST', 'authenticators:create', { name, ...values });
  if (res.status !== 200) throw new Error(`authenticators:${existing ? 'update' : 'create'} answered ${res.status}: ${JSON.stringify(res.body)}`);
}

/** tools/nocobase/install.js, with a word first when it has work to do (it is idempotent). */
async function ensureInstalled(timings: Record<string, number>): Promise<string> {
  const cache = process.env.NOCOBASE_CACHE_DIR ?? join(ROOT, '.cache', `nocobase-${NOCOBASE_VERSION}`);
  const pkg = join(cache, 'node_modules', '@nocobase', 'app', 'package.json');
  const installed = existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === NOCOBASE_VERSION;
  const started = Date.now();
  if (!installed) {
    console.log(
      `First run: installing NocoBase ${NOCOBASE_VERSION} (the whole app with its UI) from the npm registry into ${cache}.\n` +
        `This takes ${INSTALL_TIME} here and needs about 1 GB; later runs reuse it. (npm run demo -- --stand-in skips NocoBase.)`,
    );
  }
  const args = [join(ROOT, 'tools', 'nocobase', 'install.js'), '--version', NOCOBASE_VERSION, '--dir', cache];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`installing NocoBase failed (exit ${code}); run node tools/nocobase/install.js to see why`)),
    );
  });
  if (!installed) timings.install = seconds(started);
  return cache;
}

/**
 * `pm add` unpacked the plugin into this demo's storage and linked it into the shared NocoBase's node_modules, where
 * the browser suite (or another demo folder) may since have linked its own copy or removed the link. NocoBase's `start`
 * links it again, but `pm` commands before it need it, and this demo should run its own copy: link it back.
 */
function linkPlugin(cache: string, storage: string): void {
  const unpacked = join(storage, 'plugins', ...PLUGIN.split('/'));
  if (!existsSync(unpacked)) return;
  const link = join(cache, 'node_modules', ...PLUGIN.split('/'));
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { recursive: true, force: true });
  symlinkSync(unpacked, link, 'dir');
}

/** `npm run plugin:pack`; its last line is the tarball. */
async function packPlugin(): Promise<string> {
  const { stdout } = await run('npm', ['run', '--silent', 'plugin:pack'], { cwd: ROOT });
  return stdout.trim().split('\n').pop()!;
}

/** One of NocoBase's own commands, its output appended to the log; `pm` reports failures as error lines and exits 0. */
async function nocobase(base: Parameters<typeof appCommand>[0], logFile: string, nocobaseArgs: string[]): Promise<void> {
  const { command, args, env, cwd } = appCommand(base, nocobaseArgs);
  let output: { stdout: string; stderr: string };
  try {
    output = await run(command, args, { env, cwd, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    writeFileSync(logFile, `${e.stdout ?? ''}${e.stderr ?? ''}`, { flag: 'a' });
    throw new Error(`nocobase ${nocobaseArgs.join(' ')} failed (see ${logFile}): ${e.message}\n${(e.stderr ?? '').slice(-2000)}`);
  }
  writeFileSync(logFile, `${output.stdout}${output.stderr}`, { flag: 'a' });
  const failure = `${output.stdout}\n${output.stderr}`.split('\n').find((line) => line.includes('"level":"error"'));
  if (nocobaseArgs[0] === 'pm' && failure) throw new Error(`nocobase ${nocobaseArgs.join(' ')} failed: ${failure.slice(0, 2000)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '';
  }
}
