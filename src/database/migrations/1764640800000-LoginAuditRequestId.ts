import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeSchema } from './bridge-schema';

/** The request id of each audited login, the same one the logs and the error envelope carry. */
export class LoginAuditRequestId1764640800000 implements MigrationInterface {
  name = 'LoginAuditRequestId1764640800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${bridgeSchema(q)}.login_audit ADD COLUMN request_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${bridgeSchema(q)}.login_audit DROP COLUMN request_id`);
  }
}
