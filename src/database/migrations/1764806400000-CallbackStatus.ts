import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeSchema } from './bridge-schema';

/**
 * What an administrator asks first about the contact-change callback: did WeCom verify the URL, and when did the
 * last event arrive. One row per authenticator, kept apart from contact_events (which is pruned).
 */
export class CallbackStatus1764806400000 implements MigrationInterface {
  name = 'CallbackStatus1764806400000';

  async up(q: QueryRunner): Promise<void> {
    const s = bridgeSchema(q);
    await q.query(`
      CREATE TABLE ${s}.callback_status (
        authenticator_id bigint PRIMARY KEY REFERENCES ${s}.authenticators(id) ON DELETE CASCADE,
        url_verified_at  timestamptz,
        last_event_at    timestamptz,
        last_refused_at  timestamptz,
        last_refusal     text
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${bridgeSchema(q)}.callback_status`);
  }
}
