import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeSchema } from './bridge-schema';

/**
 * Directory sync state: the member mirror (unbound members wait here for their first
 * in-client login), the WeCom ↔ NocoBase department id map and the memberships the bridge
 * created (it never touches others), roles taken at suspension (given back at restore),
 * runs with their per-item outcomes, and received contact-change events.
 */
export class CreateSyncTables1764057600000 implements MigrationInterface {
  name = 'CreateSyncTables1764057600000';

  async up(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`
      CREATE TABLE ${s}.members (
        authenticator_id bigint NOT NULL REFERENCES ${s}.authenticators(id) ON DELETE CASCADE,
        userid           text NOT NULL,
        name             text,
        departments      integer[] NOT NULL DEFAULT '{}',
        leader_in        integer[] NOT NULL DEFAULT '{}',
        main_department  integer,
        status           smallint,
        mobile           text,
        email            text,
        position         text,
        hash             text NOT NULL,
        offboarded       boolean NOT NULL DEFAULT false,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (authenticator_id, userid)
      )`);
    await q.query(`
      CREATE TABLE ${s}.department_map (
        authenticator_id   bigint NOT NULL REFERENCES ${s}.authenticators(id) ON DELETE CASCADE,
        wecom_id           integer NOT NULL,
        nocobase_id        bigint NOT NULL UNIQUE,
        title              text NOT NULL,
        parent_nocobase_id bigint,
        updated_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (authenticator_id, wecom_id)
      )`);
    await q.query(`
      CREATE TABLE ${s}.managed_memberships (
        authenticator_id       bigint NOT NULL REFERENCES ${s}.authenticators(id) ON DELETE CASCADE,
        nocobase_department_id bigint NOT NULL,
        nocobase_user_id       bigint NOT NULL,
        is_owner               boolean NOT NULL DEFAULT false,
        PRIMARY KEY (authenticator_id, nocobase_department_id, nocobase_user_id)
      )`);
    await q.query(`CREATE INDEX managed_memberships_user ON ${s}.managed_memberships (nocobase_user_id)`);
    await q.query(`
      CREATE TABLE ${s}.suspended_roles (
        binding_id bigint NOT NULL REFERENCES ${s}.bindings(id) ON DELETE CASCADE,
        role_name  text NOT NULL,
        PRIMARY KEY (binding_id, role_name)
      )`);
    await q.query(`
      CREATE TABLE ${s}.sync_runs (
        id               bigserial PRIMARY KEY,
        authenticator_id bigint NOT NULL REFERENCES ${s}.authenticators(id) ON DELETE CASCADE,
        trigger          text NOT NULL CHECK (trigger IN ('schedule', 'admin', 'cli', 'event')),
        dry_run          boolean NOT NULL DEFAULT false,
        force            boolean NOT NULL DEFAULT false,
        status           text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'aborted')),
        phase            text,
        progress_done    integer NOT NULL DEFAULT 0,
        progress_total   integer NOT NULL DEFAULT 0,
        counts           jsonb NOT NULL DEFAULT '{}',
        api_calls        integer NOT NULL DEFAULT 0,
        rows_written     integer NOT NULL DEFAULT 0,
        error_code       text,
        error            text,
        replica          text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        started_at       timestamptz,
        finished_at      timestamptz,
        heartbeat_at     timestamptz
      )`);
    // One queued-or-running run per authenticator, whichever replica asks.
    await q.query(`CREATE UNIQUE INDEX sync_runs_one_active ON ${s}.sync_runs (authenticator_id) WHERE status IN ('queued', 'running')`);
    await q.query(`CREATE INDEX sync_runs_authenticator_created ON ${s}.sync_runs (authenticator_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE ${s}.sync_run_items (
        id       bigserial PRIMARY KEY,
        run_id   bigint NOT NULL REFERENCES ${s}.sync_runs(id) ON DELETE CASCADE,
        kind     text NOT NULL CHECK (kind IN ('department', 'member')),
        key      text NOT NULL,
        action   text NOT NULL,
        outcome  text NOT NULL CHECK (outcome IN ('planned', 'applied', 'failed')),
        reason   text NOT NULL,
        changes  jsonb,
        error    text
      )`);
    await q.query(`CREATE INDEX sync_run_items_run ON ${s}.sync_run_items (run_id, id)`);
    await q.query(`
      CREATE TABLE ${s}.contact_events (
        id               bigserial PRIMARY KEY,
        authenticator_id bigint NOT NULL REFERENCES ${s}.authenticators(id) ON DELETE CASCADE,
        dedupe_key       text NOT NULL,
        change_type      text NOT NULL,
        payload          jsonb NOT NULL,
        received_at      timestamptz NOT NULL DEFAULT now(),
        processed_at     timestamptz,
        error            text,
        UNIQUE (authenticator_id, dedupe_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(
      `DROP TABLE ${s}.contact_events, ${s}.sync_run_items, ${s}.sync_runs, ${s}.suspended_roles, ${s}.managed_memberships, ${s}.department_map, ${s}.members`,
    );
  }
}
