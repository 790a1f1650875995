import { hostname } from 'node:os';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';
import { quoteIdent } from './sql';

export interface BridgeDataSourceOptions {
  url: string;
  /** Schema of the bridge's own tables (and of TypeORM's migrations table). */
  schema: string;
  poolSize?: number;
  /**
   * A session idle inside a transaction this long is ended by PostgreSQL, releasing its locks: a
   * frozen or partitioned replica cannot hold the row lock its sync run's fence took for longer.
   */
  idleInTransactionSeconds?: number;
}

/**
 * One pool onto NocoBase's database. The bridge reads and writes NocoBase's tables with
 * schema-qualified SQL; `schema` only decides where our own tables live. Never `synchronize`.
 */
export function bridgeDataSourceOptions({ url, schema, poolSize = 10, idleInTransactionSeconds = 30 }: BridgeDataSourceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    schema,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    entities: [],
    // Names the replica in pg_stat_activity (and lets an operator, or a test, find its connections).
    applicationName: `wecom-bridge ${hostname()}:${process.pid}`.slice(0, 63),
    extra: { max: poolSize, connectionTimeoutMillis: 10_000, idle_in_transaction_session_timeout: idleInTransactionSeconds * 1000 },
  };
}

export function createBridgeDataSource(options: BridgeDataSourceOptions): DataSource {
  return new DataSource(bridgeDataSourceOptions(options));
}

/**
 * Creates our schema and applies pending migrations. Replicas starting together serialise
 * on an advisory lock, so each migration runs exactly once. The lock holds one pooled
 * connection while the migrations use another: the pool needs at least two.
 */
export async function runBridgeMigrations(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as { schema: string }).schema;
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`wecom-bridge:migrations:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`wecom-bridge:migrations:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}
