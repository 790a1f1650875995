import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createBridgeDataSource, runBridgeMigrations } from '../../src/database/data-source';
import { renderNocobaseFixture, type FixtureVariant, type Naming } from './nocobase-fixture';
import { databaseUrl, withAdminClient } from './pg-admin';

export const TEST_BRIDGE_SCHEMA = 'wecom_bridge';

export interface TestDatabaseOptions extends Partial<FixtureVariant> {
  /** Apply the bridge's migrations (default true). */
  migrate?: boolean;
  /** Start from an empty database instead of a NocoBase one. */
  empty?: boolean;
}

export interface TestDatabase {
  name: string;
  url: string;
  naming: Naming;
  /** Bridge DataSource (schema wecom_bridge) onto this database. */
  dataSource: DataSource;
  /** Runs SQL as the test, outside the bridge's pool. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/**
 * A fresh database for one spec file: cloned from the naming mode's template (built in
 * global-setup from the real NocoBase dump), or loaded from a re-qualified dump for the
 * schema/prefix variants.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const naming = options.naming ?? 'camel';
  const name = `wb_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const variant = Boolean(options.schema && options.schema !== 'public') || Boolean(options.prefix);
  const template = process.env[`WB_TEMPLATE_${naming.toUpperCase()}`];
  if (!template) throw new Error('template databases are missing: run integration specs through jest (global-setup)');

  await withAdminClient((admin) => admin.query(options.empty || variant ? `CREATE DATABASE "${name}"` : `CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = databaseUrl(name);
  if (variant && !options.empty) {
    await withAdminClient((db) => db.query(renderNocobaseFixture({ naming, schema: options.schema, prefix: options.prefix })), url);
  }

  const dataSource = createBridgeDataSource({ url, schema: TEST_BRIDGE_SCHEMA, poolSize: 5 });
  await dataSource.initialize();
  if (options.migrate !== false) await runBridgeMigrations(dataSource);

  return {
    name,
    url,
    naming,
    dataSource,
    query: (sql, params) => dataSource.query(sql, params),
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await withAdminClient((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** Runs a describe block once per NocoBase naming mode. */
export const NAMING_MODES: Naming[] = ['camel', 'snake'];
