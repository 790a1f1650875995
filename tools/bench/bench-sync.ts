/**
 * Directory-sync benchmark: a generated WeCom company in the emulator, a fresh NocoBase database from
 * the real schema dump, and the bridge's CLI (dist/, the Dockerfile's heap budget) syncing it twice:
 * a first run, then a no-change re-run; and the directory read alone (`cli fetch`, before and after the
 * runs), the floor under any sync. With --compare-nocobase the same directory also goes through NocoBase's own `userData:push` on
 * the live NocoBase 2.2.15 the compatibility suite installs (first push and an identical re-push), in
 * the same run on the same machine. Prints one JSON line. The numbers are measured, never asserted.
 *
 *   npm run build && npm run bench:sync -- [--members 100000] [--departments 3000] [--naming camel|snake]
 *       [--wecom-latency-ms 50] [--compare-nocobase] [--keep]
 *   (BENCH_NODE_OPTIONS overrides the bridge's NODE_OPTIONS; BENCH_NODE_ARGS adds node flags NODE_OPTIONS refuses,
 *   e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"; BENCH_CLI runs another CLI entry point)
 */
import { Command } from 'commander';
import { generateDirectory } from '../emulator';
import { startLiveNocobase } from '../../test/nocobase/live-nocobase';
import { renderNocobaseFixture, type Naming } from '../../test/utils/nocobase-fixture';
import { withAdminClient } from '../../test/utils/pg-admin';
import {
  ADMIN_DATABASE_URL,
  BRIDGE_NODE_OPTIONS,
  bridgeEnv,
  freePort,
  nonNegative,
  positive,
  round,
  runCli,
  startEmulatorProcess,
  type CliResult,
} from './harness';

const SEED = 42;
const PUSH_BATCH = 1000;

const options = new Command('bench:sync')
  .option('--members <n>', 'members in the generated company', positive, 100_000)
  .option('--departments <m>', 'departments in the generated company', positive, 3_000)
  .option('--naming <mode>', 'NocoBase naming mode: camel or snake (DB_UNDERSCORED=true)', 'camel')
  .option('--wecom-latency-ms <ms>', 'latency the emulator adds to every WeCom call (±50% jitter), as in production', nonNegative, 0)
  .option('--compare-nocobase', "also push the same directory through NocoBase's userData:push on a live NocoBase")
  .option('--keep', 'keep the benchmark database afterwards')
  .parse()
  .opts<{ members: number; departments: number; naming: Naming; wecomLatencyMs: number; compareNocobase?: boolean; keep?: boolean }>();

async function main(): Promise<void> {
  const name = `wb_bench_${process.pid}`;
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`), ADMIN_DATABASE_URL);
  const emulator = await startEmulatorProcess({ members: options.members, departments: options.departments, seed: SEED, latencyMs: options.wecomLatencyMs });
  try {
    await withAdminClient((c) => c.query(renderNocobaseFixture({ naming: options.naming })), url.toString());
    // At scale WeCom's quota (10,000 calls a minute per API) would be what a run waits on: lift it here.
    const env = bridgeEnv(url.toString(), emulator.ready, { WECOM_RATE_LIMIT_PER_MINUTE: '100000' });
    const fetchOnly = await runCli(['fetch', '--authenticator', 'bench'], env);
    const first = await runCli(['sync', '--authenticator', 'bench'], env);
    const again = await runCli(['sync', '--authenticator', 'bench'], env);
    // The read again after the runs: on a shared machine one fetch alone can be far off (load spikes).
    const fetchAfter = await runCli(['fetch', '--authenticator', 'bench'], env);
    const bridge = {
      fetchOnlySeconds: round(fetchOnly.run.seconds, 2),
      fetchOnlyAfterSeconds: round(fetchAfter.run.seconds, 2),
      firstRun: runView(first, true),
      reRun: runView(again, false),
    };
    const fetchFloor = Math.min(bridge.fetchOnlySeconds, bridge.fetchOnlyAfterSeconds);
    const nocobase = options.compareNocobase ? await pushThroughNocobase() : undefined;
    console.log(
      JSON.stringify({
        bench: 'sync',
        members: options.members,
        departments: options.departments,
        naming: options.naming,
        wecomLatencyMs: options.wecomLatencyMs,
        nodeOptions: BRIDGE_NODE_OPTIONS,
        ...bridge,
        // Against the faster of the two reads: the ratio a run would show beside an undisturbed fetch.
        firstRunOverFetch: round(bridge.firstRun.seconds / fetchFloor, 2),
        reRunOverFetch: round(bridge.reRun.seconds / fetchFloor, 2),
        peakRssMb: round(Math.max(first.peakRssMb, again.peakRssMb)),
        ...(nocobase && {
          nocobase,
          ratio: { firstRun: round(nocobase.firstPushSeconds / bridge.firstRun.seconds), reRun: round(nocobase.rePushSeconds / bridge.reRun.seconds) },
        }),
      }),
    );
  } finally {
    emulator.child.kill('SIGTERM');
    if (!options.keep) await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), ADMIN_DATABASE_URL);
  }
}

function runView(r: CliResult, first: boolean) {
  return {
    status: r.run.status,
    seconds: (r.run.durationMs ?? NaN) / 1000,
    wallSeconds: round(r.wallSeconds),
    rowsWritten: r.run.rowsWritten,
    wecomCalls: r.run.apiCalls,
    ...(first && { usersCreated: r.run.counts.members?.create }),
    peakRssMb: round(r.peakRssMb),
    bridgeCpuSeconds: round(r.cpuSeconds),
  };
}

/**
 * The same directory (same generator, same seed) pushed to a live NocoBase through its own user-data
 * sync API, as an integration that feeds NocoBase directly would: departments first (parents before
 * children), then users, in batches; then the identical push again (NocoBase's no-change run).
 */
async function pushThroughNocobase(): Promise<{ firstPushSeconds: number; rePushSeconds: number; users: number; departments: number }> {
  const nocobase = await startLiveNocobase(options.naming, await freePort());
  try {
    const root = await nocobase.rootToken();
    const directory = generateDirectory({ members: options.members, departments: options.departments, seed: SEED });
    // Parents before children: NocoBase links a department to its parent only if the parent exists already.
    const departments = directory.subtree(1).map((d) => ({ uid: String(d.id), title: d.name, ...(d.parentid ? { parentUid: String(d.parentid) } : {}) }));
    const users = [...directory.allMembers()].map((m) => ({
      uid: m.userid,
      nickname: m.name,
      ...(m.mobile ? { phone: m.mobile } : {}),
      ...(m.email ? { email: m.email } : {}),
      departments: m.department.map(String),
    }));
    const push = async () => {
      const started = performance.now();
      for (const [dataType, records] of [
        ['department', departments],
        ['user', users],
      ] as const) {
        for (let i = 0; i < records.length; i += PUSH_BATCH) {
          const res = await nocobase.api(root, 'POST', 'userData:push', { dataType, records: records.slice(i, i + PUSH_BATCH) });
          if (res.status !== 200) throw new Error(`userData:push answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        }
      }
      return round((performance.now() - started) / 1000, 2);
    };
    const firstPushSeconds = await push();
    const rePushSeconds = await push();
    return { firstPushSeconds, rePushSeconds, users: users.length, departments: departments.length };
  } finally {
    await nocobase.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
