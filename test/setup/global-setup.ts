import { createHash } from 'node:crypto';
import { renderNocobaseFixture, type Naming } from '../utils/nocobase-fixture';
import { databaseUrl, TEST_DATABASE_URL, withAdminClient } from '../utils/pg-admin';

/**
 * Builds one template database per NocoBase naming mode from the real dumps; every spec
 * file then clones its own database from a template (CREATE DATABASE … TEMPLATE), which is
 * fast and isolates parallel Jest workers. Templates are keyed by the dump's hash, so an
 * edited fixture gets a new template and old ones are never reused by mistake.
 */
export default async function globalSetup(): Promise<void> {
  await ensureReachable();
  for (const naming of ['camel', 'snake'] as Naming[]) {
    const sql = renderNocobaseFixture({ naming });
    const name = templateName(naming, sql);
    process.env[`WB_TEMPLATE_${naming.toUpperCase()}`] = name;
    await withAdminClient(async (admin) => {
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
      try {
        const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount) return;
        const building = `${name}_building`;
        await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
        await admin.query(`CREATE DATABASE "${building}"`);
        await withAdminClient((db) => db.query(sql), databaseUrl(building));
        await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
        await admin.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE true`);
      } finally {
        await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
      }
    });
  }
}

function templateName(naming: Naming, sql: string): string {
  return `wb_tpl_${naming}_${createHash('sha256').update(sql).digest('hex').slice(0, 12)}`;
}

/**
 * Integration and e2e specs need a PostgreSQL server: without one, say which and how to start it instead of a bare
 * ECONNREFUSED from every spec file.
 */
async function ensureReachable(): Promise<void> {
  try {
    await withAdminClient((c) => c.query('SELECT 1'));
  } catch (error) {
    const url = new URL(TEST_DATABASE_URL);
    url.password = url.password ? '***' : '';
    throw new Error(
      `The integration and e2e specs need a PostgreSQL server at ${url} (TEST_DATABASE_URL), which answered: ` +
        `${(error as Error).message || (error as { code?: string }).code}.\n` +
        `Start one, e.g. \`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16\`, ` +
        `or point TEST_DATABASE_URL at yours (a user that may create databases).\n` +
        `Without PostgreSQL: \`npm run test:unit\` runs the unit specs, and \`npm run demo\` needs none.`,
    );
  }
}
