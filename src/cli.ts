import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { Command, InvalidArgumentError } from 'commander';
import { AppModule } from './app.module';
import { AuthenticatorsService } from './auth/authenticators/authenticators.service';
import { AppException } from './common/exceptions/app.exception';
import { ConfigValidationError, loadConfig } from './config/load-config';
import { describeStartupError } from './startup-error';
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

async function sync(options: SyncOptions): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { schedule: false }), {
    logger: options.json ? ['error'] : ['error', 'warn'],
  });
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
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { schedule: false }), { logger: ['error'] });
  try {
    const { resealed, current } = await app.get(AuthenticatorsService).reseal();
    console.log(`re-sealed ${resealed} secret(s) with BRIDGE_SECRET_KEY; ${current} already were.`);
    if (config.secrets.previousBridgeSecretKey) console.log('BRIDGE_SECRET_KEY_PREVIOUS is no longer needed: remove it and restart.');
    return EXIT.succeeded;
  } finally {
    await app.close();
  }
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
