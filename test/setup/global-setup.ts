import { createHash } from 'node:crypto';
import { renderNocobaseFixture, type Naming } from '../utils/nocobase-fixture';
import { databaseUrl, withAdminClient } from '../utils/pg-admin';

/**
 * Builds one template database per NocoBase naming mode from the real dumps; every spec
 * file then clones its own database from a template (CREATE DATABASE … TEMPLATE), which is
 * fast and isolates parallel Jest workers. Templates are keyed by the dump's hash, so an
 * edited fixture gets a new template and old ones are never reused by mistake.
 */
export default async function globalSetup(): Promise<void> {
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
