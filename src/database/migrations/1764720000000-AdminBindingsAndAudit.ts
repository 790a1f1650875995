import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeSchema } from './bridge-schema';

/**
 * Bindings an administrator made (source 'admin': the only way a privileged NocoBase user is bound
 * to WeCom), and the audit of what administrators change through the admin API.
 */
export class AdminBindingsAndAudit1764720000000 implements MigrationInterface {
  name = 'AdminBindingsAndAudit1764720000000';

  async up(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`ALTER TABLE ${s}.bindings DROP CONSTRAINT bindings_source_check`);
    await q.query(`ALTER TABLE ${s}.bindings ADD CONSTRAINT bindings_source_check CHECK (source IN ('login', 'sync', 'admin'))`);
    await q.query(`
      CREATE TABLE ${s}.admin_audit (
        id               bigserial PRIMARY KEY,
        at               timestamptz NOT NULL DEFAULT now(),
        actor            text NOT NULL,
        action           text NOT NULL,
        authenticator_id bigint REFERENCES ${s}.authenticators(id) ON DELETE SET NULL,
        detail           jsonb NOT NULL DEFAULT '{}',
        ip               text
      )`);
    await q.query(`CREATE INDEX admin_audit_at ON ${s}.admin_audit (at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`DROP TABLE ${s}.admin_audit`);
    // An administrator's binding becomes a login binding again; the next login through it re-checks the user's roles.
    await q.query(`UPDATE ${s}.bindings SET source = 'login' WHERE source = 'admin'`);
    await q.query(`ALTER TABLE ${s}.bindings DROP CONSTRAINT bindings_source_check`);
    await q.query(`ALTER TABLE ${s}.bindings ADD CONSTRAINT bindings_source_check CHECK (source IN ('login', 'sync'))`);
  }
}
