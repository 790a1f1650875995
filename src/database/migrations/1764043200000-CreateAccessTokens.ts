import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeSchema } from './bridge-schema';

/**
 * WeCom access tokens shared by every replica, so a fleet calls gettoken once per token
 * lifetime. The key is a hash of (corpId, secret); the token itself is encrypted.
 */
export class CreateAccessTokens1764043200000 implements MigrationInterface {
  name = 'CreateAccessTokens1764043200000';

  async up(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`
      CREATE TABLE ${s}.wecom_access_tokens (
        cache_key   text PRIMARY KEY,
        corp_id     text NOT NULL,
        token_sealed text NOT NULL,
        expires_at  timestamptz NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${bridgeSchema(q)}.wecom_access_tokens`);
  }
}
