import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { affectedRows } from '../database/sql';
import { NocobaseUsersRepository } from './nocobase-users.repository';
import { NocobaseSchema } from './schema/nocobase-schema';

export interface DepartmentRow {
  id: string;
  title: string;
  parentId: string | null;
}

export interface MembershipRow {
  departmentId: string;
  userId: number;
  isOwner: boolean;
}

/**
 * NocoBase's departments plugin tables (`departments`, `departmentsUsers`, `main_departments_path`):
 * bulk, multi-row statements in the caller's transaction. NocoBase keeps tree paths and cascades in
 * app hooks, so these statements do what those hooks would.
 */
@Injectable()
export class NocobaseDepartmentsRepository {
  constructor(
    private readonly schema: NocobaseSchema,
    private readonly users: NocobaseUsersRepository,
  ) {}

  /** The departments plugin is installed (its tables exist). */
  get available(): boolean {
    return this.schema.features.departments;
  }

  /** Inserts departments (parents before children); isLeaf is fixed up afterwards by refreshLeafFlags. */
  async insertDepartments(rows: DepartmentRow[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const d = this.schema.columns('departments');
    const table = this.schema.table('departments');
    const hasSort = this.schema.hasColumn('departments', 'sort');
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
    const d = this.schema.columns('departments');
    const [, count] = await m.query(
      `UPDATE ${this.schema.table('departments')} AS dep SET ${d.title} = t.title, ${d.parentId} = t.parent_id, ${d.updatedAt} = now()
         FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS t(id, title, parent_id)
        WHERE dep.${d.id} = t.id`,
      [rows.map((r) => r.id), rows.map((r) => r.title), rows.map((r) => r.parentId)],
    );
    return Number(count);
  }

  /** Deletes departments with their memberships and tree paths (NocoBase cascades in app code, not in SQL). */
  async deleteDepartments(ids: string[], m: EntityManager): Promise<number> {
    if (!ids.length) return 0;
    const du = this.schema.columns('departmentsUsers');
    let written = 0;
    written += affectedRows(await m.query(`DELETE FROM ${this.schema.table('departmentsUsers')} WHERE ${du.departmentId} = ANY($1::bigint[])`, [ids]));
    written += await this.users.clearMainDepartment(ids, m);
    if (this.schema.features.departmentTreePaths) {
      written += affectedRows(
        await m.query(
          `DELETE FROM ${this.schema.table('main_departments_path')} WHERE ${this.schema.column('main_departments_path', 'nodePk')} = ANY($1::bigint[])`,
          [ids],
        ),
      );
    }
    written += affectedRows(
      await m.query(`DELETE FROM ${this.schema.table('departments')} WHERE ${this.schema.column('departments', 'id')} = ANY($1::bigint[])`, [ids]),
    );
    return written;
  }

  /** isLeaf = has no children, for the given departments, writing only rows that change. */
  async refreshLeafFlags(ids: string[], m: EntityManager): Promise<number> {
    if (!ids.length) return 0;
    const d = this.schema.columns('departments');
    const table = this.schema.table('departments');
    return affectedRows(
      await m.query(
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
    if (!ids.length || !this.schema.features.departmentTreePaths) return 0;
    const d = this.schema.columns('departments');
    const p = this.schema.columns('main_departments_path');
    const deps = this.schema.table('departments');
    const paths = this.schema.table('main_departments_path');
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

  async upsertMemberships(rows: MembershipRow[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const du = this.schema.columns('departmentsUsers');
    const result = await m.query(
      `INSERT INTO ${this.schema.table('departmentsUsers')} (${du.departmentId}, ${du.userId}, ${du.isOwner}, ${du.createdAt}, ${du.updatedAt})
       SELECT d, u, o, now(), now() FROM unnest($1::bigint[], $2::bigint[], $3::boolean[]) AS t(d, u, o)
       ON CONFLICT (${du.departmentId}, ${du.userId}) DO UPDATE SET ${du.isOwner} = EXCLUDED.${du.isOwner}, ${du.updatedAt} = now()
         WHERE ${this.schema.table('departmentsUsers')}.${du.isOwner} IS DISTINCT FROM EXCLUDED.${du.isOwner}
       RETURNING 1`,
      [rows.map((r) => r.departmentId), rows.map((r) => r.userId), rows.map((r) => r.isOwner)],
    );
    return result.length;
  }

  async deleteMemberships(rows: { departmentId: string; userId: number }[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const du = this.schema.columns('departmentsUsers');
    return affectedRows(
      await m.query(
        `DELETE FROM ${this.schema.table('departmentsUsers')} AS x USING unnest($1::bigint[], $2::bigint[]) AS t(d, u)
          WHERE x.${du.departmentId} = t.d AND x.${du.userId} = t.u`,
        [rows.map((r) => r.departmentId), rows.map((r) => r.userId)],
      ),
    );
  }
}
