import type { DataSource } from 'typeorm';

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

/**
 * One page of `SELECT <columns> FROM <from> <where>` and the total count, as NocoBase's list
 * actions return them. `where` is empty or a full `WHERE …` using `$1…$n` of `params`.
 */
export async function selectPage<Row>(
  source: Pick<DataSource, 'query'>,
  q: { columns: string; from: string; where: string; orderBy: string; params: unknown[] },
  page: number,
  pageSize: number,
): Promise<{ rows: Row[]; count: number }> {
  const [{ count }] = await source.query(`SELECT count(*)::int AS count FROM ${q.from} ${q.where}`, q.params);
  const n = q.params.length;
  const rows = await source.query(`SELECT ${q.columns} FROM ${q.from} ${q.where} ORDER BY ${q.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`, [
    ...q.params,
    pageSize,
    (page - 1) * pageSize,
  ]);
  return { rows, count };
}

/** A LIKE/ILIKE pattern matching values that contain `text` literally (its % _ and \ escaped). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
