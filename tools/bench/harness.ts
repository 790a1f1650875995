import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** What the benchmarks share: processes of their own for the emulator, the bridge and its CLI, and percentiles. */

export const ROOT = join(__dirname, '..', '..');
/** The heap budget the Dockerfile sets (V8 otherwise lets garbage grow RSS far past the live set). */
export const BRIDGE_NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? '--max-old-space-size=256';
export const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${v} is not a positive integer`);
  return n;
};
export const nonNegative = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${v} is not a whole number ≥ 0`);
  return n;
};
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export interface EmulatorReady {
  baseUrl: string;
  corpId: string;
  agentId: number;
  secret: string;
  contactSecret: string;
}

/** The emulator in its own process (so its CPU and memory are not the bridge's), from its ready line. */
export async function startEmulatorProcess(o: {
  members: number;
  departments: number;
  seed: number;
  latencyMs?: number;
}): Promise<{ child: ChildProcess; ready: EmulatorReady }> {
  const args = ['--members', String(o.members), '--departments', String(o.departments), '--seed', String(o.seed), '--latency-ms', String(o.latencyMs ?? 0)];
  // The emulator is WeCom: its own rate limit must not be what a benchmark measures.
  args.push('--rate-limit', '100000000');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'tools/emulator/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
  });
  return { child, ready: JSON.parse(line) as EmulatorReady };
}

/** The environment a bridge (server or CLI) needs to run the default authenticator against the emulator. */
export function bridgeEnv(databaseUrl: string, emulator: EmulatorReady, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_OPTIONS: BRIDGE_NODE_OPTIONS,
    DATABASE_URL: databaseUrl,
    BRIDGE_SECRET_KEY: 'bench-bridge-secret-key-0123456789abcdef',
    NOCOBASE_JWT_SECRET: 'bench-nocobase-app-key',
    LOG_LEVEL: 'error',
    WECOM_AUTHENTICATOR_NAME: 'bench',
    WECOM_API_BASE_URL: emulator.baseUrl,
    WECOM_OAUTH_BASE_URL: emulator.baseUrl,
    WECOM_LOGIN_BASE_URL: emulator.baseUrl,
    WECOM_CORP_ID: emulator.corpId,
    WECOM_AGENT_ID: String(emulator.agentId),
    WECOM_SECRET: emulator.secret,
    WECOM_CONTACT_SECRET: emulator.contactSecret,
    WECOM_ORIGIN: 'http://127.0.0.1:13000',
    WECOM_PROVISION_ON_SYNC: 'true',
    ...extra,
  };
}

export interface CliResult {
  run: Record<string, any>;
  wallSeconds: number;
  peakRssMb: number;
  cpuSeconds: number;
}

/** One run of the built CLI (`dist/cli.js`, as production runs it) in a child process, with its peak RSS and CPU time. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const started = process.hrtime.bigint();
  // BENCH_NODE_ARGS: flags NODE_OPTIONS refuses, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile each CLI run.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '-r', './tools/bench/report-peak-rss.js', process.env.BENCH_CLI ?? 'dist/cli.js', ...args, '--json'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = /PEAK_RSS_KB=(\d+)/.exec(stderr);
  const cpu = /CPU_MS=(\d+)/.exec(stderr);
  const json = stdout.trim().split('\n').pop() ?? '';
  if (!json.startsWith('{')) throw new Error(`the CLI exited with ${code}: ${stderr}`);
  return { run: JSON.parse(json), wallSeconds, peakRssMb: rss ? Number(rss[1]) / 1024 : NaN, cpuSeconds: cpu ? Number(cpu[1]) / 1000 : NaN };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The built bridge (`dist/main.js`, or BENCH_MAIN: another build to compare with) serving HTTP in its own process;
 * resolves once `/health/live` answers.
 * Pass `port` when the environment must name the bridge's own URL (WECOM_BRIDGE_URL, where WeCom sends members back).
 */
export async function startBridgeServer(
  env: NodeJS.ProcessEnv,
  port?: number,
  main = process.env.BENCH_MAIN ?? 'dist/main.js',
): Promise<{ child: ChildProcess; url: string }> {
  port ??= await freePort();
  const child = spawn(process.execPath, [...profiling(), main], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(`${url}/health/live`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the bridge did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, url };
}

/** BENCH_CPU_PROF_DIR: the bridge server writes a V8 CPU profile there when it exits (summarise it with profile-summary.js). */
function profiling(): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
}

/** Latency percentiles in milliseconds. */
export function percentiles(ms: number[]): { p50: number; p90: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
  return { p50: round(at(0.5), 2), p90: round(at(0.9), 2), p99: round(at(0.99), 2) };
}
