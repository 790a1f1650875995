import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The NocoBase version the schema dumps in test/fixtures/nocobase were taken from. */
export const NOCOBASE_FIXTURE_VERSION = '2.2.15';

/** A real NocoBase install's schema and first rows (root user, default roles), in either naming mode. */
export function nocobaseFixtureSql(naming: 'camel' | 'snake'): string {
  return readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', 'nocobase', `nocobase-${NOCOBASE_FIXTURE_VERSION}-${naming}.sql`), 'utf8');
}
