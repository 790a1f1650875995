import { qualified, quoteIdent } from '../../database/sql';
import { NocobaseException } from '../nocobase.exception';
import type { NocobaseColumn, NocobaseTable } from './nocobase-tables';

export interface ResolvedTable {
  physicalName: string;
  /** logical column → physical column, only for columns that exist. */
  columns: Record<string, string>;
}

/** Which NocoBase capabilities this database has, derived from its tables. */
export interface NocobaseFeatures {
  /** issuedTokens exists: NocoBase ≥ 1.6 sessions (jti, renewal). */
  issuedTokens: boolean;
  /** issuedTokens.authenticator exists: NocoBase 2.x. */
  tokenAuthenticatorColumn: boolean;
  tokenBlacklist: boolean;
  tokenControlConfig: boolean;
  /** departments + departmentsUsers exist (the departments plugin). */
  departments: boolean;
  /** main_departments_path exists (collection-tree paths for departments). */
  departmentTreePaths: boolean;
}

/**
 * The physical layout of one NocoBase database: schema, table prefix, naming mode, and the
 * resolved name of every table and column we use. Repositories build SQL only from here.
 */
export class NocobaseSchema {
  readonly features: NocobaseFeatures;

  constructor(
    readonly schema: string,
    readonly tablePrefix: string,
    readonly underscored: boolean,
    private readonly tables: Partial<Record<NocobaseTable, ResolvedTable>>,
  ) {
    this.features = {
      issuedTokens: this.has('issuedTokens'),
      tokenAuthenticatorColumn: this.hasColumn('issuedTokens', 'authenticator'),
      tokenBlacklist: this.has('tokenBlacklist'),
      tokenControlConfig: this.has('tokenControlConfig'),
      departments: this.has('departments') && this.has('departmentsUsers'),
      departmentTreePaths: this.has('main_departments_path'),
    };
  }

  has(table: NocobaseTable): boolean {
    return this.tables[table] !== undefined;
  }

  hasColumn<T extends NocobaseTable>(table: T, column: NocobaseColumn<T>): boolean {
    return this.tables[table]?.columns[column] !== undefined;
  }

  /** Schema-qualified, quoted table name, e.g. `"public"."issuedTokens"`. */
  table(table: NocobaseTable): string {
    return qualified(this.schema, this.resolve(table).physicalName);
  }

  /** Quoted physical column name, e.g. `"sign_in_time"`. */
  column<T extends NocobaseTable>(table: T, column: NocobaseColumn<T>): string {
    const physical = this.resolve(table).columns[column];
    if (!physical) throw NocobaseException.columnUnavailable(this.resolve(table).physicalName, column);
    return quoteIdent(physical);
  }

  /** All resolved columns of a table as quoted names: `const c = nb.columns('users'); c.phone`. */
  columns<T extends NocobaseTable>(table: T): Record<NocobaseColumn<T>, string> {
    const resolved = this.resolve(table);
    return Object.fromEntries(Object.entries(resolved.columns).map(([k, v]) => [k, quoteIdent(v)])) as Record<NocobaseColumn<T>, string>;
  }

  describe(): { schema: string; tablePrefix: string; underscored: boolean; features: NocobaseFeatures } {
    return { schema: this.schema, tablePrefix: this.tablePrefix, underscored: this.underscored, features: this.features };
  }

  private resolve(table: NocobaseTable): ResolvedTable {
    const resolved = this.tables[table];
    if (!resolved) throw NocobaseException.tableUnavailable(table, this.schema);
    return resolved;
  }
}
