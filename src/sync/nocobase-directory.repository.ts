import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { NocobaseSchema } from '../nocobase/nocobase-schema';

export interface DepartmentRow {
  id: string;
  title: string;
  parentId: string | null;
}

export interface NewUserRow {
  id: number;
  nickname: string;
  phone: string | null;
  email: string | null;
  mainDepartmentId: string | null;
}

export interface UserFieldsUpdate {
  id: number;
  nickname?: string | null;
  email?: string | null;
  phone?: string | null;
  mainDepartmentId?: string | null;
}

export interface MembershipRow {
  departmentId: string;
  userId: number;
  isOwner: boolean;
}

/** Bulk writes of NocoBase's departments, users and memberships: multi-row statements, caller's transaction. */
@Injectable()
export class NocobaseDirectoryRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly nb: NocobaseSchema,
  ) {}

  get departmentsAvailable(): boolean {
    return this.nb.features.departments;
  }

  /** Inserts departments (parents before children); isLeaf is fixed up afterwards by refreshLeafFlags. */
  async insertDepartments(rows: DepartmentRow[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const d = this.nb.columns('departments');
    const table = this.nb.table('departments');
    const hasSort = this.nb.hasColumn('departments', 'sort');
    const [{ base }] = hasSort ? await m.query(`SELECT COALESCE(max(${d.sort}), 0) AS base FROM ${table}`) : [{ base: 0 }];
    const cols = [d.id, d.title, d.parentId, d.isLeaf, d.createdAt, d.updatedAt, ...(hasSort ? [d.sort] : [])];
    await m.query(
      `INSERT INTO ${table} (${cols.join(', ')})
       SELECT id, title, parent_id, true, now(), now()${hasSort ? ', $4::bigint + ord' : ''}
         FROM unnest($1::bigint[], $2::text[], $3::bigint[]) WITH ORDINALITY AS t(id, title, parent_id, ord)`,
      [rows.map((r) => r.id), rows.map((r) => r.title), rows.map((r) => r.parentId), ...(hasSort ? [Number(base)] : [])],
    );
    return rows.length;
  }

  async updateDepartments(rows: DepartmentRow[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const d = this.nb.columns('departments');
    const [, count] = await m.query(
      `UPDATE ${this.nb.table('departments')} AS dep SET ${d.title} = t.title, ${d.parentId} = t.parent_id, ${d.updatedAt} = now()
         FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS t(id, title, parent_id)
        WHERE dep.${d.id} = t.id`,
      [rows.map((r) => r.id), rows.map((r) => r.title), rows.map((r) => r.parentId)],
    );
    return Number(count);
  }

  /** Deletes departments with their memberships and tree paths (NocoBase cascades in app code, not in SQL). */
  async deleteDepartments(ids: string[], m: EntityManager): Promise<number> {
    if (!ids.length) return 0;
    const du = this.nb.columns('departmentsUsers');
    const u = this.nb.columns('users');
    let written = 0;
    written += await this.affected(m.query(`DELETE FROM ${this.nb.table('departmentsUsers')} WHERE ${du.departmentId} = ANY($1::bigint[])`, [ids]));
    if (this.nb.hasColumn('users', 'mainDepartmentId')) {
      written += await this.affected(
        m.query(`UPDATE ${this.nb.table('users')} SET ${u.mainDepartmentId} = NULL WHERE ${u.mainDepartmentId} = ANY($1::bigint[])`, [ids]),
      );
    }
    if (this.nb.features.departmentTreePaths) {
      written += await this.affected(
        m.query(`DELETE FROM ${this.nb.table('main_departments_path')} WHERE ${this.nb.column('main_departments_path', 'nodePk')} = ANY($1::bigint[])`, [ids]),
      );
    }
    written += await this.affected(m.query(`DELETE FROM ${this.nb.table('departments')} WHERE ${this.nb.column('departments', 'id')} = ANY($1::bigint[])`, [ids]));
    return written;
  }

  /** isLeaf = has no children, for the given departments, writing only rows that change. */
  async refreshLeafFlags(ids: string[], m: EntityManager): Promise<number> {
    if (!ids.length) return 0;
    const d = this.nb.columns('departments');
    const table = this.nb.table('departments');
    return this.affected(
      m.query(
        `UPDATE ${table} AS dep SET ${d.isLeaf} = NOT EXISTS (SELECT 1 FROM ${table} c WHERE c.${d.parentId} = dep.${d.id})
          WHERE dep.${d.id} = ANY($1::bigint[])
            AND dep.${d.isLeaf} IS DISTINCT FROM NOT EXISTS (SELECT 1 FROM ${table} c WHERE c.${d.parentId} = dep.${d.id})`,
        [ids],
      ),
    );
  }

  /**
   * Rewrites the tree-path rows (`/root/…/id`, NocoBase's collection-tree plugin keeps them in
   * hooks only) of the given departments and all their descendants, hand-made ones included.
   */
  async rebuildTreePaths(ids: string[], m: EntityManager): Promise<number> {
    if (!ids.length || !this.nb.features.departmentTreePaths) return 0;
    const d = this.nb.columns('departments');
    const p = this.nb.columns('main_departments_path');
    const deps = this.nb.table('departments');
    const paths = this.nb.table('main_departments_path');
    const subtree: string[] = (
      await m.query(
        `WITH RECURSIVE down AS (
           SELECT ${d.id} AS id FROM ${deps} WHERE ${d.id} = ANY($1::bigint[])
           UNION SELECT c.${d.id} FROM ${deps} c JOIN down ON c.${d.parentId} = down.id)
         SELECT id FROM down`,
        [ids],
      )
    ).map((r: { id: string }) => r.id);
    await m.query(`DELETE FROM ${paths} WHERE ${p.nodePk} = ANY($1::bigint[])`, [subtree]);
    // Walk each node up to its root; the deepest step holds the full path. Depth is capped
    // against a cycle someone may have made by hand.
    const inserted = await m.query(
      `WITH RECURSIVE up AS (
         SELECT ${d.id} AS id, ${d.parentId} AS parent_id, ${d.id}::text AS path, ${d.id} AS root, 0 AS depth
           FROM ${deps} WHERE ${d.id} = ANY($1::bigint[])
         UNION ALL
         SELECT up.id, par.${d.parentId}, par.${d.id}::text || '/' || up.path, par.${d.id}, up.depth + 1
           FROM up JOIN ${deps} par ON par.${d.id} = up.parent_id WHERE up.depth < 64)
       INSERT INTO ${paths} (${p.nodePk}, ${p.path}, ${p.rootPk})
       SELECT DISTINCT ON (id) id, '/' || path, root FROM up ORDER BY id, depth DESC
       RETURNING 1`,
      [subtree],
    );
    return inserted.length + subtree.length;
  }

  /** Reserves ids from the users sequence, so new rows can be linked before they are written. */
  async allocateUserIds(count: number, m: EntityManager): Promise<number[]> {
    if (count === 0) return [];
    const rows = await m.query(`SELECT nextval(pg_get_serial_sequence($1, $2)) AS id FROM generate_series(1, $3)`, [
      this.nb.table('users'),
      this.nb.column('users', 'id').replace(/"/g, ''),
      count,
    ]);
    return rows.map((r: { id: string }) => Number(r.id));
  }

  /** New users with the default role (what NocoBase's create hooks would add). */
  async insertUsers(rows: NewUserRow[], defaultRole: string, m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const u = this.nb.columns('users');
    const table = this.nb.table('users');
    const hasSort = this.nb.hasColumn('users', 'sort');
    const hasMain = this.nb.hasColumn('users', 'mainDepartmentId') && this.departmentsAvailable;
    const [{ base }] = hasSort ? await m.query(`SELECT COALESCE(max(${u.sort}), 0) AS base FROM ${table}`) : [{ base: 0 }];
    const cols = [u.id, u.nickname, u.phone, u.email, u.createdAt, u.updatedAt, ...(hasSort ? [u.sort] : []), ...(hasMain ? [u.mainDepartmentId] : [])];
    const select = ['id', 'nickname', 'phone', 'email', 'now()', 'now()', ...(hasSort ? ['$6::bigint + ord'] : []), ...(hasMain ? ['main_id'] : [])];
    await m.query(
      `INSERT INTO ${table} (${cols.join(', ')})
       SELECT ${select.join(', ')} FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS t(id, nickname, phone, email, main_id, ord)`,
      [rows.map((r) => r.id), rows.map((r) => r.nickname), rows.map((r) => r.phone), rows.map((r) => r.email), rows.map((r) => r.mainDepartmentId), Number(base)],
    );
    const r = this.nb.columns('rolesUsers');
    const hasDefault = this.nb.hasColumn('rolesUsers', 'default');
    await m.query(
      `INSERT INTO ${this.nb.table('rolesUsers')} (${r.roleName}, ${r.userId}, ${r.createdAt}, ${r.updatedAt}${hasDefault ? `, ${r.default}` : ''})
       SELECT $1, id, now(), now()${hasDefault ? ', true' : ''} FROM unnest($2::bigint[]) AS t(id) ON CONFLICT DO NOTHING`,
      [defaultRole, rows.map((x) => x.id)],
    );
    return rows.length * 2;
  }

  /** Updates only the given fields of each user; rows are grouped by the set of fields they change. */
  async updateUsers(rows: UserFieldsUpdate[], m: EntityManager): Promise<number> {
    const groups = new Map<string, UserFieldsUpdate[]>();
    for (const row of rows) {
      const key = (['nickname', 'email', 'phone', 'mainDepartmentId'] as const).filter((f) => f in row).join(',');
      if (!key) continue;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    let written = 0;
    const u = this.nb.columns('users');
    const types: Record<string, string> = { nickname: 'text', email: 'text', phone: 'text', mainDepartmentId: 'bigint' };
    for (const [key, group] of groups) {
      const fields = key.split(',') as (keyof UserFieldsUpdate)[];
      const params: unknown[] = [group.map((g) => g.id)];
      const unnest = ['$1::bigint[]'];
      const sets: string[] = [];
      fields.forEach((f, i) => {
        params.push(group.map((g) => g[f] ?? null));
        unnest.push(`$${i + 2}::${types[f]}[]`);
        sets.push(`${u[f as 'nickname']} = t.f${i}`);
      });
      written += await this.affected(
        m.query(
          `UPDATE ${this.nb.table('users')} AS usr SET ${sets.join(', ')}, ${u.updatedAt} = now()
             FROM unnest(${unnest.join(', ')}) AS t(id, ${fields.map((_, i) => `f${i}`).join(', ')})
            WHERE usr.${u.id} = t.id`,
          params,
        ),
      );
    }
    return written;
  }

  async upsertMemberships(rows: MembershipRow[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const du = this.nb.columns('departmentsUsers');
    const result = await m.query(
      `INSERT INTO ${this.nb.table('departmentsUsers')} (${du.departmentId}, ${du.userId}, ${du.isOwner}, ${du.createdAt}, ${du.updatedAt})
       SELECT d, u, o, now(), now() FROM unnest($1::bigint[], $2::bigint[], $3::boolean[]) AS t(d, u, o)
       ON CONFLICT (${du.departmentId}, ${du.userId}) DO UPDATE SET ${du.isOwner} = EXCLUDED.${du.isOwner}, ${du.updatedAt} = now()
         WHERE ${this.nb.table('departmentsUsers')}.${du.isOwner} IS DISTINCT FROM EXCLUDED.${du.isOwner}
       RETURNING 1`,
      [rows.map((r) => r.departmentId), rows.map((r) => r.userId), rows.map((r) => r.isOwner)],
    );
    return result.length;
  }

  async deleteMemberships(rows: { departmentId: string; userId: number }[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const du = this.nb.columns('departmentsUsers');
    return this.affected(
      m.query(
        `DELETE FROM ${this.nb.table('departmentsUsers')} AS x USING unnest($1::bigint[], $2::bigint[]) AS t(d, u)
          WHERE x.${du.departmentId} = t.d AND x.${du.userId} = t.u`,
        [rows.map((r) => r.departmentId), rows.map((r) => r.userId)],
      ),
    );
  }

  /** The NocoBase side of bound members: current fields and whether root/admin protects them. */
  async usersByIds(ids: number[]): Promise<Map<number, { nickname: string | null; email: string | null; phone: string | null; mainDepartmentId: string | null; protected: boolean }>> {
    const result = new Map();
    if (!ids.length) return result;
    const u = this.nb.columns('users');
    const r = this.nb.columns('rolesUsers');
    const main = this.nb.hasColumn('users', 'mainDepartmentId') ? `${u.mainDepartmentId}::text` : 'NULL';
    const rows = await this.dataSource.query(
      `SELECT usr.${u.id} AS id, usr.${u.nickname} AS nickname, usr.${u.email} AS email, usr.${u.phone} AS phone, ${main} AS main,
              EXISTS (SELECT 1 FROM ${this.nb.table('rolesUsers')} ru WHERE ru.${r.userId} = usr.${u.id} AND ru.${r.roleName} IN ('root', 'admin')) AS protected
         FROM ${this.nb.table('users')} usr WHERE usr.${u.id} = ANY($1::bigint[])`,
      [ids],
    );
    for (const row of rows) {
      result.set(Number(row.id), { nickname: row.nickname, email: row.email, phone: row.phone, mainDepartmentId: row.main, protected: row.protected });
    }
    return result;
  }

  /** Every user's phone and email, raw: the planner refuses to write one another user already has. */
  async contactsInUse(): Promise<{ id: number; phone: string | null; email: string | null }[]> {
    const u = this.nb.columns('users');
    const rows = await this.dataSource.query(
      `SELECT ${u.id} AS id, ${u.phone} AS phone, ${u.email} AS email FROM ${this.nb.table('users')} WHERE ${u.phone} IS NOT NULL OR ${u.email} IS NOT NULL`,
    );
    return rows.map((r: Record<string, unknown>) => ({ id: Number(r.id), phone: (r.phone as string) ?? null, email: (r.email as string) ?? null }));
  }

  async rolesOf(userId: number, m: EntityManager): Promise<string[]> {
    const r = this.nb.columns('rolesUsers');
    const rows = await m.query(`SELECT ${r.roleName} AS role FROM ${this.nb.table('rolesUsers')} WHERE ${r.userId} = $1`, [userId]);
    return rows.map((x: { role: string }) => x.role);
  }

  async removeRoles(userId: number, roles: string[], m: EntityManager): Promise<number> {
    if (!roles.length) return 0;
    const r = this.nb.columns('rolesUsers');
    return this.affected(m.query(`DELETE FROM ${this.nb.table('rolesUsers')} WHERE ${r.userId} = $1 AND ${r.roleName} = ANY($2::text[])`, [userId, roles]));
  }

  async addRoles(userId: number, roles: string[], m: EntityManager): Promise<number> {
    if (!roles.length) return 0;
    const r = this.nb.columns('rolesUsers');
    const rows = await m.query(
      `INSERT INTO ${this.nb.table('rolesUsers')} (${r.roleName}, ${r.userId}, ${r.createdAt}, ${r.updatedAt})
       SELECT unnest($2::text[]), $1, now(), now() ON CONFLICT DO NOTHING RETURNING 1`,
      [userId, roles],
    );
    return rows.length;
  }

  /** Deletes users with the rows NocoBase would cascade in app code (roles, memberships, sessions, auth links). */
  async deleteUsers(ids: number[], m: EntityManager): Promise<number> {
    if (!ids.length) return 0;
    let written = 0;
    const del = async (table: 'rolesUsers' | 'departmentsUsers' | 'usersAuthenticators' | 'issuedTokens', column: string) => {
      if (this.nb.has(table)) written += await this.affected(m.query(`DELETE FROM ${this.nb.table(table)} WHERE ${column} = ANY($1::bigint[])`, [ids]));
    };
    await del('rolesUsers', this.nb.column('rolesUsers', 'userId'));
    if (this.departmentsAvailable) await del('departmentsUsers', this.nb.column('departmentsUsers', 'userId'));
    await del('usersAuthenticators', this.nb.column('usersAuthenticators', 'userId'));
    if (this.nb.features.issuedTokens) await del('issuedTokens', this.nb.column('issuedTokens', 'userId'));
    written += await this.affected(m.query(`DELETE FROM ${this.nb.table('users')} WHERE ${this.nb.column('users', 'id')} = ANY($1::bigint[])`, [ids]));
    return written;
  }

  private async affected(result: Promise<unknown>): Promise<number> {
    const r = await result;
    return Array.isArray(r) && typeof r[1] === 'number' ? r[1] : Array.isArray(r) ? r.length : 0;
  }
}
