import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load-config';
import { describeStartupError } from '../startup-error';
import { createBridgeDataSource, runBridgeMigrations } from './data-source';

/** `npm run migration:run` / `migration:revert`: the same migrations the service runs at start-up. */
async function main(command: string | undefined): Promise<void> {
  if (command !== 'run' && command !== 'revert') {
    console.error('usage: migrate.js run | revert');
    process.exit(2);
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const dataSource = await createBridgeDataSource({ url: config.database.url, schema: config.database.bridgeSchema, poolSize: 2 }).initialize();
  try {
    if (command === 'run') {
      const applied = await runBridgeMigrations(dataSource);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is up to date');
    } else {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the most recent migration');
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv[2]).catch((error) => {
  console.error(describeStartupError(error, process.env.DATABASE_URL) ?? error);
  process.exit(1);
});
