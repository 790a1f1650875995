import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Naming = 'camel' | 'snake';
export const NOCOBASE_FIXTURE_VERSION = '2.2.15';

export interface FixtureVariant {
  naming: Naming;
  /** Load into this schema instead of public (as NocoBase's DB_SCHEMA does). */
  schema?: string;
  /** Prefix every relation name (as NocoBase's DB_TABLE_PREFIX does). */
  prefix?: string;
}

const cache = new Map<Naming, string>();

/** The real NocoBase dump, re-qualified for the requested schema and table prefix. */
export function renderNocobaseFixture({ naming, schema = 'public', prefix = '' }: FixtureVariant): string {
  let sql = cache.get(naming);
  if (!sql) {
    sql = readFileSync(join(__dirname, '..', 'fixtures', 'nocobase', `nocobase-${NOCOBASE_FIXTURE_VERSION}-${naming}.sql`), 'utf8');
    cache.set(naming, sql);
  }
  if (schema === 'public' && !prefix) return sql;
  const rewritten = sql.replace(/\bpublic\.("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)/g, (_m, name: string) => {
    const bare = name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
    return `"${schema}"."${prefix}${bare}"`;
  });
  return `CREATE SCHEMA IF NOT EXISTS "${schema}";\n${rewritten}`;
}
