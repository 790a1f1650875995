import { NocobaseException } from '../nocobase.exception';
import { NocobaseSchema, type ResolvedTable } from './nocobase-schema';
import { NOCOBASE_TABLES, underscore, type NocobaseTable } from './nocobase-tables';

/** One row of information_schema.columns: enough to resolve every name we need. */
export interface CatalogColumn {
  schema: string;
  table: string;
  column: string;
}

export interface NamingOverrides {
  schema: string | null;
  tablePrefix: string | null;
  underscored: boolean | null;
}

interface Candidate {
  schema: string;
  prefix: string;
  underscored: boolean;
}

/**
 * Pure: finds NocoBase's layout in a catalog. The users table (with nickname) next to a
 * roles table with the same prefix marks a NocoBase install; `created_at` on users means
 * DB_UNDERSCORED. Overrides narrow the search and win over detection.
 */
export function resolveNocobaseSchema(catalog: CatalogColumn[], overrides: NamingOverrides): NocobaseSchema {
  const byTable = new Map<string, Set<string>>();
  for (const { schema, table, column } of catalog) {
    const key = `${schema}\u0000${table}`;
    let set = byTable.get(key);
    if (!set) byTable.set(key, (set = new Set()));
    set.add(column);
  }
  const columnsOf = (schema: string, table: string) => byTable.get(`${schema}\u0000${table}`);

  const candidates: Candidate[] = [];
  for (const key of byTable.keys()) {
    const [schema, table] = key.split('\u0000');
    if (overrides.schema !== null && schema !== overrides.schema) continue;
    if (!table.endsWith('users')) continue;
    const prefix = table.slice(0, -'users'.length);
    if (overrides.tablePrefix !== null && prefix !== overrides.tablePrefix) continue;
    const cols = columnsOf(schema, table)!;
    if (!cols.has('nickname') || !columnsOf(schema, `${prefix}roles`)) continue;
    const underscored = overrides.underscored ?? cols.has('created_at');
    candidates.push({ schema, prefix, underscored });
  }

  if (candidates.length === 0) {
    const where = overrides.schema ?? 'public';
    const table = `${overrides.tablePrefix ?? ''}users`;
    throw new NocobaseException(
      'NOT_A_NOCOBASE_DATABASE',
      `this database does not look like a NocoBase database: table ${table} not found in schema ${where}` +
        (overrides.schema === null ? ' (nor in any other schema)' : '') +
        '. Check DATABASE_URL, and NOCOBASE_DB_SCHEMA / NOCOBASE_TABLE_PREFIX if NocoBase uses DB_SCHEMA / DB_TABLE_PREFIX.',
    );
  }
  if (candidates.length > 1) {
    const found = candidates.map((c) => `schema ${c.schema} with prefix "${c.prefix}"`).join('; ');
    throw new NocobaseException(
      'AMBIGUOUS_NOCOBASE_SCHEMA',
      `found more than one NocoBase install in this database (${found}); set NOCOBASE_DB_SCHEMA and NOCOBASE_TABLE_PREFIX to choose one`,
    );
  }

  const { schema, prefix, underscored } = candidates[0];
  const tables: Partial<Record<NocobaseTable, ResolvedTable>> = {};
  for (const [logical, spec] of Object.entries(NOCOBASE_TABLES) as [NocobaseTable, (typeof NOCOBASE_TABLES)[NocobaseTable]][]) {
    const physicalName = prefix + (underscored ? underscore(logical) : logical);
    const present = columnsOf(schema, physicalName);
    if (!present) {
      if (spec.required) {
        throw new NocobaseException(
          'NOT_A_NOCOBASE_DATABASE',
          `this database does not look like a NocoBase database: table ${physicalName} not found in schema ${schema}`,
        );
      }
      continue;
    }
    const columns: Record<string, string> = {};
    for (const column of [...spec.columns, ...spec.optional] as string[]) {
      const physical = underscored ? underscore(column) : column;
      if (present.has(physical)) columns[column] = physical;
    }
    const missing = (spec.columns as readonly string[]).filter((c) => !columns[c]);
    if (missing.length && spec.required) {
      throw new NocobaseException(
        'NOCOBASE_COLUMN_MISSING',
        `NocoBase table ${schema}.${physicalName} lacks column(s) ${missing.map((c) => (underscored ? underscore(c) : c)).join(', ')}` +
          ` — is NOCOBASE_UNDERSCORED right (detected: ${underscored}), and is this a supported NocoBase version?`,
      );
    }
    // An optional table without its core columns is treated as absent (an older, incompatible shape).
    if (missing.length) continue;
    tables[logical] = { physicalName, columns };
  }
  return new NocobaseSchema(schema, prefix, underscored, tables);
}
