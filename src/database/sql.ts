/** Quotes a PostgreSQL identifier. Names that come from introspection still pass through here. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** Rows a write touched, from what TypeORM's query() returns: `[rows, count]` for UPDATE/DELETE, rows for RETURNING. */
export function affectedRows(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : Array.isArray(result) ? result.length : 0;
}
