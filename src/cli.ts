import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { AppModule } from './app.module';
import { AuthenticatorsService } from './auth/authenticators.service';
import { AppException } from './common/exceptions/app.exception';
import { ConfigValidationError, loadConfig } from './config/load-config';
import { describeStartupError } from './startup-error';
import { toRunView } from './sync/admin-sync-runs.controller';
import { SyncRunsRepository, type SyncRun } from './sync/sync-runs.repository';
import { SyncService } from './sync/sync.service';

/** Exit codes: 0 succeeded, 1 failed, 2 bad usage or configuration, 3 aborted (offboarding threshold). */
const EXIT = { succeeded: 0, failed: 1, usage: 2, aborted: 3 } as const;

interface SyncOptions {
  authenticator: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

async function sync(options: SyncOptions): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { schedule: false }), { logger: options.json ? ['error'] : ['error', 'warn'] });
  try {
    const a = await app.get(AuthenticatorsService).get(options.authenticator);
    const { run, alreadyRunning, done } = await app.get(SyncService).trigger(a, 'cli', { dryRun: options.dryRun, force: options.force });
    if (alreadyRunning && !options.json) console.error(`run ${run.id} (${run.trigger}) is already ${run.status} for "${a.name}"; following it instead of starting another`);
    const finished = options.json || !process.stderr.isTTY ? await done : await withProgressBar(app.get(SyncRunsRepository), run.id, done);
    const view = toRunView(finished, a.name);
    if (options.json) console.log(JSON.stringify(view));
    else printSummary(finished);
    return EXIT[finished.status as keyof typeof EXIT] ?? EXIT.failed;
  } finally {
    await app.close();
  }
}

/** Redraws a bar from the run row (so it also follows a run another replica is doing). */
async function withProgressBar(runs: SyncRunsRepository, runId: number, done: Promise<SyncRun>): Promise<SyncRun> {
  const bar = new SingleBar({ format: '{phase} [{bar}] {value}/{total} · {apiCalls} WeCom calls', hideCursor: true, clearOnComplete: true });
  bar.start(1, 0, { phase: 'queued', apiCalls: 0 });
  const timer = setInterval(async () => {
    const r = await runs.findById(runId).catch(() => null);
    if (!r) return;
    bar.setTotal(Math.max(r.progressTotal, 1));
    bar.update(r.progressDone, { phase: (r.phase ?? r.status).padEnd(5), apiCalls: r.apiCalls });
  }, 200);
  try {
    return await done;
  } finally {
    clearInterval(timer);
    bar.stop();
  }
}

function printSummary(r: SyncRun): void {
  const rows: [string, string | number][] = [
    ['run', `${r.id} (${r.trigger}${r.dryRun ? ', dry run' : ''}${r.force ? ', forced' : ''})`],
    ['status', r.status],
  ];
  for (const [group, counts] of Object.entries({ departments: r.counts.departments ?? {}, members: r.counts.members ?? {} })) {
    for (const [action, n] of Object.entries(counts as Record<string, number>)) if (n) rows.push([`${group}: ${action}`, n]);
  }
  rows.push(['conflicts', r.counts.conflicts ?? 0], ['failed items', r.counts.failed ?? 0], ['WeCom calls', r.apiCalls], ['rows written', r.rowsWritten]);
  if (r.startedAt && r.finishedAt) rows.push(['seconds', ((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1)]);
  if (r.error) rows.push(['error', `${r.errorCode}: ${r.error}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  if (r.dryRun || r.status === 'aborted') console.log(`\nper-item changes: GET /api/admin/sync-runs/${r.id}`);
}

const program = new Command('wecom-bridge').description('wecom-bridge command line').exitOverride();
program
  .command('sync')
  .description('Sync the WeCom directory into NocoBase now')
  .requiredOption('-a, --authenticator <name>', 'authenticator name', (v) => {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(v)) throw new InvalidArgumentError('an authenticator name is lowercase letters, digits, - or _');
    return v;
  })
  .option('--dry-run', 'plan only: show what would change, write nothing')
  .option('--force', 'apply even when more members than the threshold would be offboarded')
  .option('--json', 'print the finished run as one JSON line (no progress bar)')
  .action(async (options: SyncOptions) => {
    process.exitCode = await sync(options);
  });

program.parseAsync(process.argv).catch((error: Error & { exitCode?: number; code?: string }) => {
  if (error.code?.startsWith('commander.')) {
    process.exitCode = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT.usage;
    return;
  }
  console.error(describeStartupError(error) ?? error.message);
  process.exitCode = error instanceof ConfigValidationError || error instanceof AppException ? EXIT.usage : EXIT.failed;
});
