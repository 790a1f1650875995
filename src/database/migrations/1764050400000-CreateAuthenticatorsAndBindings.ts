import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeSchema } from './bridge-schema';

/**
 * WeCom authenticators (secrets sealed with BRIDGE_SECRET_KEY), the WeCom userid ↔ NocoBase
 * user bindings, one-time login states, and the audit of every login decision.
 */
export class CreateAuthenticatorsAndBindings1764050400000 implements MigrationInterface {
  name = 'CreateAuthenticatorsAndBindings1764050400000';

  async up(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`
      CREATE TABLE ${s}.authenticators (
        id                     bigserial PRIMARY KEY,
        name                   text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
        title                  text NOT NULL,
        enabled                boolean NOT NULL DEFAULT true,
        corp_id                text NOT NULL,
        agent_id               text NOT NULL,
        secret_sealed          text NOT NULL,
        contact_secret_sealed  text,
        origin                 text NOT NULL,
        bridge_url             text,
        nocobase_authenticator text NOT NULL DEFAULT 'basic',
        auto_sign_up           boolean NOT NULL DEFAULT false,
        auto_login             boolean NOT NULL DEFAULT false,
        workbench_path         text NOT NULL DEFAULT '/admin',
        callback_token_sealed  text,
        callback_aes_key_sealed text,
        sync_cron              text,
        provision_on_sync      boolean NOT NULL DEFAULT false,
        offboarding            text NOT NULL DEFAULT 'suspend' CHECK (offboarding IN ('ignore', 'suspend', 'delete')),
        offboarding_threshold_percent numeric(5,2) NOT NULL DEFAULT 5,
        declared_by_env        boolean NOT NULL DEFAULT false,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now()
      )`);
    // The last line of defence for "at most one enabled authenticator may auto-login".
    await q.query(`CREATE UNIQUE INDEX authenticators_one_auto_login ON ${s}.authenticators ((true)) WHERE enabled AND auto_login`);

    await q.query(`
      CREATE TABLE ${s}.bindings (
        id                      bigserial PRIMARY KEY,
        authenticator_id        bigint NOT NULL REFERENCES ${s}.authenticators(id) ON DELETE CASCADE,
        wecom_userid            text NOT NULL,
        nocobase_user_id        bigint NOT NULL,
        phone                   text,
        source                  text NOT NULL CHECK (source IN ('login', 'sync')),
        first_in_client_auth_at timestamptz,
        last_login_at           timestamptz,
        suspended_at            timestamptz,
        created_at              timestamptz NOT NULL DEFAULT now(),
        updated_at              timestamptz NOT NULL DEFAULT now(),
        UNIQUE (authenticator_id, wecom_userid),
        UNIQUE (authenticator_id, nocobase_user_id)
      )`);
    await q.query(`CREATE INDEX bindings_nocobase_user ON ${s}.bindings (nocobase_user_id)`);
    await q.query(`CREATE INDEX bindings_phone ON ${s}.bindings (phone)`);

    await q.query(`
      CREATE TABLE ${s}.login_states (
        id               text PRIMARY KEY,
        authenticator_id bigint NOT NULL REFERENCES ${s}.authenticators(id) ON DELETE CASCADE,
        nonce_hash       text NOT NULL,
        redirect         text NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        expires_at       timestamptz NOT NULL,
        used_at          timestamptz
      )`);
    await q.query(`CREATE INDEX login_states_expires ON ${s}.login_states (expires_at)`);

    await q.query(`
      CREATE TABLE ${s}.login_audit (
        id               bigserial PRIMARY KEY,
        at               timestamptz NOT NULL DEFAULT now(),
        authenticator_id bigint REFERENCES ${s}.authenticators(id) ON DELETE SET NULL,
        wecom_userid     text,
        nocobase_user_id bigint,
        in_client        boolean NOT NULL,
        outcome          text NOT NULL,
        code             text NOT NULL,
        message          text,
        ip               text,
        user_agent       text
      )`);
    await q.query(`CREATE INDEX login_audit_at ON ${s}.login_audit (at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`DROP TABLE ${s}.login_audit, ${s}.login_states, ${s}.bindings, ${s}.authenticators`);
  }
}
