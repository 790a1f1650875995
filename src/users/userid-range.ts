/** Which WeCom userids to read: a list (event runs), or those after `after` up to and including `upTo` (null = open). */
export type UseridRange = { userids: string[] } | { after: string | null; upTo: string | null };

/**
 * A WHERE condition for a UseridRange on `column`, with parameters from `$firstParam`. Byte order
 * (COLLATE "C"), which is how the sync sorts userids too, so consecutive ranges never overlap.
 */
export function useridRangeCondition(column: string, range: UseridRange, firstParam: number): { sql: string; params: unknown[] } {
  if ('userids' in range) return { sql: `${column} = ANY($${firstParam}::text[])`, params: [range.userids] };
  return {
    sql: `($${firstParam}::text IS NULL OR ${column} COLLATE "C" > $${firstParam}) AND ($${firstParam + 1}::text IS NULL OR ${column} COLLATE "C" <= $${firstParam + 1})`,
    params: [range.after, range.upTo],
  };
}
