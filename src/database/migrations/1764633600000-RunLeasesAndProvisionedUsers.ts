import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeSchema } from './bridge-schema';

/**
 * A run's exclusivity as a lease in its row (renewed by its heartbeat and by every write transaction,
 * which is what fences a run that lost its connection), `partial` for runs that could not read the
 * whole directory, one run per schedule tick however many replicas fire it, and the users each sync
 * provisioned (so a later run can find one that lost its binding and repair it instead of creating
 * the member twice).
 */
export class RunLeasesAndProvisionedUsers1764633600000 implements MigrationInterface {
  name = 'RunLeasesAndProvisionedUsers1764633600000';

  async up(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`ALTER TABLE ${s}.sync_runs ADD COLUMN lease_expires_at timestamptz, ADD COLUMN scheduled_for timestamptz`);
    await q.query(`CREATE UNIQUE INDEX sync_runs_one_per_tick ON ${s}.sync_runs (authenticator_id, scheduled_for) WHERE scheduled_for IS NOT NULL`);
    await q.query(`ALTER TABLE ${s}.sync_runs DROP CONSTRAINT sync_runs_status_check`);
    await q.query(
      `ALTER TABLE ${s}.sync_runs ADD CONSTRAINT sync_runs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed', 'aborted'))`,
    );
    // Runs queued or running before this migration get a lease that is already over: the next trigger takes over.
    await q.query(`UPDATE ${s}.sync_runs SET lease_expires_at = COALESCE(heartbeat_at, created_at) WHERE status IN ('queued', 'running')`);
    await q.query(`
      CREATE TABLE ${s}.provisioned_users (
        authenticator_id bigint NOT NULL REFERENCES ${s}.authenticators(id) ON DELETE CASCADE,
        nocobase_user_id bigint NOT NULL,
        wecom_userid     text NOT NULL,
        run_id           bigint,
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (authenticator_id, nocobase_user_id)
      )`);
    await q.query(`CREATE INDEX provisioned_users_member ON ${s}.provisioned_users (authenticator_id, wecom_userid)`);
    // Every binding the sync made so far is a user it provisioned.
    await q.query(`
      INSERT INTO ${s}.provisioned_users (authenticator_id, nocobase_user_id, wecom_userid, created_at)
      SELECT authenticator_id, nocobase_user_id, wecom_userid, created_at FROM ${s}.bindings WHERE source = 'sync'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`DROP TABLE ${s}.provisioned_users`);
    await q.query(`UPDATE ${s}.sync_runs SET status = 'succeeded' WHERE status = 'partial'`);
    await q.query(`ALTER TABLE ${s}.sync_runs DROP CONSTRAINT sync_runs_status_check`);
    await q.query(`ALTER TABLE ${s}.sync_runs ADD CONSTRAINT sync_runs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'aborted'))`);
    await q.query(`ALTER TABLE ${s}.sync_runs DROP COLUMN lease_expires_at, DROP COLUMN scheduled_for`);
  }
}
