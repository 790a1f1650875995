import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeSchema } from './bridge-schema';

/** The channel every change to the authenticators table is announced on; its payload is the bridge's schema. */
export const AUTHENTICATORS_CHANNEL = 'wecom_bridge_authenticators';

/**
 * Announces every committed change to `authenticators` (whoever makes it: a replica's admin API, the CLI,
 * an operator's SQL), so replicas can cache the opened authenticators and drop them when they change.
 */
export class AuthenticatorChangeNotify1764892800000 implements MigrationInterface {
  name = 'AuthenticatorChangeNotify1764892800000';

  async up(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`
      CREATE FUNCTION ${s}.notify_authenticators_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${AUTHENTICATORS_CHANNEL}', TG_TABLE_SCHEMA);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER authenticators_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${s}.authenticators
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.notify_authenticators_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`DROP TRIGGER authenticators_changed ON ${s}.authenticators`);
    await q.query(`DROP FUNCTION ${s}.notify_authenticators_changed()`);
  }
}
