import { nocobaseFixtureSql } from '../../tools/demo/nocobase-fixture';

export type Naming = 'camel' | 'snake';

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
    sql = nocobaseFixtureSql(naming);
    cache.set(naming, sql);
  }
  if (schema === 'public' && !prefix) return sql;
  const rewritten = sql.replace(/\bpublic\.("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)/g, (_m, name: string) => {
    const bare = name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
    return `"${schema}"."${prefix}${bare}"`;
  });
  return `CREATE SCHEMA IF NOT EXISTS "${schema}";\n${rewritten}`;
}
