/**
 * Directory-sync benchmark: a generated WeCom company in the emulator, a fresh NocoBase database
 * from the real schema dump, and the bridge's CLI syncing it twice (first run, then a no-change
 * re-run). Prints one JSON line. The numbers are measured, never asserted.
 *
 *   npm run build && npm run bench:sync -- --members 100000 --departments 3000 [--naming camel|snake] [--keep]
 *   (BENCH_NODE_OPTIONS overrides the bridge's NODE_OPTIONS; BENCH_CLI runs another CLI entry point)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Command } from 'commander';
import { renderNocobaseFixture, type Naming } from '../../test/utils/nocobase-fixture';
import { withAdminClient } from '../../test/utils/pg-admin';

const root = join(__dirname, '..', '..');
/** The heap budget the Dockerfile sets (V8 otherwise lets garbage grow RSS far past the live set). */
const nodeOptions = process.env.BENCH_NODE_OPTIONS ?? '--max-old-space-size=256';
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${v} is not a positive integer`);
  return n;
};

const options = new Command('bench:sync')
  .option('--members <n>', 'members in the generated company', positive, 100_000)
  .option('--departments <m>', 'departments in the generated company', positive, 3_000)
  .option('--naming <mode>', 'NocoBase naming mode: camel or snake (DB_UNDERSCORED=true)', 'camel')
  .option('--keep', 'keep the benchmark database afterwards')
  .parse()
  .opts<{ members: number; departments: number; naming: Naming; keep?: boolean }>();

/** Starts the emulator in its own process (so its memory is not the bridge's) and reads its ready line. */
async function startEmulator(): Promise<{ child: ChildProcess; ready: Record<string, string> }> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', 'tools/emulator/main.ts', '--members', String(options.members), '--departments', String(options.departments), '--seed', '42'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
  });
  return { child, ready: JSON.parse(line) };
}

/** One CLI sync in a child process: its run (JSON), wall seconds, peak RSS and CPU seconds. */
async function cliSync(env: NodeJS.ProcessEnv): Promise<{ run: Record<string, any>; wallSeconds: number; peakRssMb: number; cpuSeconds: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    ['-r', './tools/bench/report-peak-rss.js', process.env.BENCH_CLI ?? 'dist/cli.js', 'sync', '--authenticator', 'bench', '--json'],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = /PEAK_RSS_KB=(\d+)/.exec(stderr);
  const cpu = /CPU_MS=(\d+)/.exec(stderr);
  const json = stdout.trim().split('\n').pop() ?? '';
  if (!json.startsWith('{')) throw new Error(`the sync exited with ${code}: ${stderr}`);
  return { run: JSON.parse(json), wallSeconds, peakRssMb: rss ? Number(rss[1]) / 1024 : NaN, cpuSeconds: cpu ? Number(cpu[1]) / 1000 : NaN };
}

async function main(): Promise<void> {
  const name = `wb_bench_${process.pid}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`), adminUrl);
  const emulator = await startEmulator();
  try {
    await withAdminClient((c) => c.query(renderNocobaseFixture({ naming: options.naming })), url.toString());
    const e = emulator.ready;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_OPTIONS: nodeOptions,
      DATABASE_URL: url.toString(),
      BRIDGE_SECRET_KEY: 'bench-bridge-secret-key-0123456789abcdef',
      NOCOBASE_JWT_SECRET: 'bench-nocobase-app-key',
      LOG_LEVEL: 'error',
      WECOM_AUTHENTICATOR_NAME: 'bench',
      WECOM_API_BASE_URL: e.baseUrl,
      WECOM_CORP_ID: e.corpId,
      WECOM_AGENT_ID: String(e.agentId),
      WECOM_SECRET: e.secret,
      WECOM_CONTACT_SECRET: e.contactSecret,
      WECOM_ORIGIN: 'http://127.0.0.1:13000',
      WECOM_PROVISION_ON_SYNC: 'true',
    };
    const first = await cliSync(env);
    const again = await cliSync(env);
    const seconds = (r: Record<string, any>) => (r.durationMs ?? NaN) / 1000;
    console.log(
      JSON.stringify({
        members: options.members,
        departments: options.departments,
        naming: options.naming,
        nodeOptions,
        firstRun: {
          status: first.run.status,
          seconds: seconds(first.run),
          wallSeconds: round(first.wallSeconds),
          rowsWritten: first.run.rowsWritten,
          wecomCalls: first.run.apiCalls,
          usersCreated: first.run.counts.members?.create,
          peakRssMb: round(first.peakRssMb),
          bridgeCpuSeconds: round(first.cpuSeconds),
        },
        reRun: {
          status: again.run.status,
          seconds: seconds(again.run),
          wallSeconds: round(again.wallSeconds),
          rowsWritten: again.run.rowsWritten,
          wecomCalls: again.run.apiCalls,
          peakRssMb: round(again.peakRssMb),
          bridgeCpuSeconds: round(again.cpuSeconds),
        },
        peakRssMb: round(Math.max(first.peakRssMb, again.peakRssMb)),
      }),
    );
  } finally {
    emulator.child.kill('SIGTERM');
    if (!options.keep) await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), adminUrl);
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
