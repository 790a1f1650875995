import type { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import type { TestDatabase } from '../utils/test-database';

let sequence = 0;

/** A NocoBase user as NocoBase's UI would leave it (phone exactly as typed), with the member role. */
export async function insertNocobaseUser(
  db: TestDatabase,
  nb: NocobaseSchema,
  overrides: { nickname?: string; phone?: string | null; email?: string | null; roles?: string[] } = {},
): Promise<number> {
  sequence += 1;
  const c = nb.columns('users');
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO ${nb.table('users')} (${c.nickname}, ${c.phone}, ${c.email}, ${c.createdAt}, ${c.updatedAt})
     VALUES ($1, $2, $3, now(), now()) RETURNING ${c.id} AS id`,
    [overrides.nickname ?? `User ${sequence}`, overrides.phone ?? null, overrides.email ?? null],
  );
  const r = nb.columns('rolesUsers');
  for (const role of overrides.roles ?? ['member']) {
    await db.query(`INSERT INTO ${nb.table('rolesUsers')} (${r.roleName}, ${r.userId}, ${r.createdAt}, ${r.updatedAt}) VALUES ($1, $2, now(), now())`, [
      role,
      row.id,
    ]);
  }
  return Number(row.id);
}

export async function countNocobaseUsers(db: TestDatabase, nb: NocobaseSchema): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${nb.table('users')}`);
  return Number(n);
}

export async function rolesOf(db: TestDatabase, nb: NocobaseSchema, userId: number): Promise<string[]> {
  const r = nb.columns('rolesUsers');
  const rows = await db.query<{ role: string }>(`SELECT ${r.roleName} AS role FROM ${nb.table('rolesUsers')} WHERE ${r.userId} = $1 ORDER BY 1`, [userId]);
  return rows.map((x) => x.role);
}
