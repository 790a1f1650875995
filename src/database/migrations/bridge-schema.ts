import type { QueryRunner } from 'typeorm';
import { quoteIdent } from '../sql';

/**
 * Our tables live in their own schema (BRIDGE_DB_SCHEMA, default wecom_bridge), so every
 * migration reads it from the connection instead of hard-coding it.
 */
export function bridgeSchema(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('the bridge DataSource has no schema set');
  return quoteIdent(schema);
}
