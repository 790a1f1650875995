import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { Command, InvalidArgumentError } from 'commander';
import { AppModule } from './app.module';
import { AuthenticatorsService } from './auth/authenticators/authenticators.service';
import { AppException } from './common/exceptions/app.exception';
import { ConfigValidationError, loadConfig } from './config/load-config';
import { describeStartupError } from './startup-error';
import { DirectoryFetcher } from './sync/fetch/directory-fetcher.service';
import { toRunView } from './sync/runs/run-view';
import { printSummary, withProgressBar } from './sync/runs/run-report';
import { SyncRunsRepository } from './sync/runs/sync-runs.repository';
import { SyncService } from './sync/sync.service';

/** Exit codes: 0 succeeded, 1 failed, 2 bad usage or configuration, 3 aborted (offboarding threshold), 4 partial (incomplete read or failed items). */
const EXIT = { succeeded: 0, failed: 1, usage: 2, aborted: 3, partial: 4 } as const;

interface SyncOptions {
  authenticator: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

/** The whole application without its HTTP server and without schedules, for one command. */
async function appContext(quiet: boolean) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { schedule: false }), { logger: quiet ? ['error'] : ['error', 'warn'] });
  return { app, config };
}

async function sync(options: SyncOptions): Promise<number> {
  const { app } = await appContext(Boolean(options.json));
  try {
    const authenticator = await app.get(AuthenticatorsService).get(options.authenticator);
    const { run, alreadyRunning, done } = await app.get(SyncService).trigger(authenticator, 'cli', { dryRun: options.dryRun, force: options.force });
    if (alreadyRunning && !options.json)
      console.error(`run ${run.id} (${run.trigger}) is already ${run.status} for "${authenticator.name}"; following it instead of starting another`);
    const finished = options.json || !process.stderr.isTTY ? await done : await withProgressBar(app.get(SyncRunsRepository), run.id, done);
    const view = toRunView(finished, authenticator.name);
    if (options.json) console.log(JSON.stringify(view));
    else printSummary(finished);
    return EXIT[finished.status as keyof typeof EXIT] ?? EXIT.failed;
  } finally {
    await app.close();
  }
}

/**
 * After a BRIDGE_SECRET_KEY rotation (new key in BRIDGE_SECRET_KEY, old one in
 * BRIDGE_SECRET_KEY_PREVIOUS): seals every stored secret again with the new key, after which the
 * previous key can go. Start-up refuses a key that opens nothing, so this only runs when it can.
 */
async function reseal(): Promise<number> {
  const { app, config } = await appContext(true);
  try {
    const { resealed, current } = await app.get(AuthenticatorsService).reseal();
    console.log(`re-sealed ${resealed} secret(s) with BRIDGE_SECRET_KEY; ${current} already were.`);
    if (config.secrets.previousBridgeSecretKey) console.log('BRIDGE_SECRET_KEY_PREVIOUS is no longer needed: remove it and restart.');
    return EXIT.succeeded;
  } finally {
    await app.close();
  }
}

/**
 * Reads the directory exactly as a sync would and writes nothing: whether the credentials can read
 * all of it, and how long WeCom takes (the floor under any sync's duration).
 */
async function fetchDirectory(options: Pick<SyncOptions, 'authenticator' | 'json'>): Promise<number> {
  const { app } = await appContext(Boolean(options.json));
  try {
    const authenticator = await app.get(AuthenticatorsService).get(options.authenticator);
    const fetcher = app.get(DirectoryFetcher);
    const calls = fetcher.callCounter();
    const started = performance.now();
    const snapshot = await fetcher.fetch(authenticator);
    const result = {
      authenticator: authenticator.name,
      departments: snapshot.departments.length,
      members: snapshot.members.length,
      complete: snapshot.complete,
      idsOnly: snapshot.idsOnly,
      wecomCalls: calls(),
      seconds: Math.round(performance.now() - started) / 1000,
    };
    if (options.json) console.log(JSON.stringify(result));
    else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(14)}${v}`);
    return snapshot.complete ? EXIT.succeeded : EXIT.partial;
  } finally {
    await app.close();
  }
}

const authenticatorName = (v: string) => {
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(v)) throw new InvalidArgumentError('an authenticator name is lowercase letters, digits, - or _');
  return v;
};

const program = new Command('wecom-bridge').description('wecom-bridge command line').exitOverride();
program
  .command('sync')
  .description('Sync the WeCom directory into NocoBase now')
  .requiredOption('-a, --authenticator <name>', 'authenticator name', authenticatorName)
  .option('--dry-run', 'plan only: show what would change, write nothing')
  .option('--force', 'apply even when more members than the threshold would be offboarded')
  .option('--json', 'print the finished run as one JSON line (no progress bar)')
  .action(async (options: SyncOptions) => {
    process.exitCode = await sync(options);
  });

program
  .command('fetch')
  .description('Read the WeCom directory as a sync would, writing nothing: can it all be read, and how long does WeCom take')
  .requiredOption('-a, --authenticator <name>', 'authenticator name', authenticatorName)
  .option('--json', 'print the result as one JSON line')
  .action(async (options: SyncOptions) => {
    process.exitCode = await fetchDirectory(options);
  });

program
  .command('reseal')
  .description('Seal every stored secret again with BRIDGE_SECRET_KEY (after a rotation; the old key in BRIDGE_SECRET_KEY_PREVIOUS)')
  .action(async () => {
    process.exitCode = await reseal();
  });

program.parseAsync(process.argv).catch((error: Error & { exitCode?: number; code?: string }) => {
  if (error.code?.startsWith('commander.')) {
    process.exitCode = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT.usage;
    return;
  }
  console.error(describeStartupError(error) ?? error.message);
  process.exitCode = error instanceof ConfigValidationError || error instanceof AppException ? EXIT.usage : EXIT.failed;
});
