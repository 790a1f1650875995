import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { qualified } from '../database/sql';
import type { DirectoryMember } from './directory.types';
import type { ManagedMembership, MappedDepartment, MirroredMember } from './sync-plan.types';

/** Which userids to read: a list (event runs), or the range after `after` up to and including `upTo` (null = open). */
export type UseridRange = { userids: string[] } | { after: string | null; upTo: string | null };

/** A WHERE condition for a UseridRange; byte order ("C"), which is how the planner sorts userids too. */
function inRange(column: string, range: UseridRange, firstParam: number): { sql: string; params: unknown[] } {
  if ('userids' in range) return { sql: `${column} = ANY($${firstParam}::text[])`, params: [range.userids] };
  return {
    sql: `($${firstParam}::text IS NULL OR ${column} COLLATE "C" > $${firstParam}) AND ($${firstParam + 1}::text IS NULL OR ${column} COLLATE "C" <= $${firstParam + 1})`,
    params: [range.after, range.upTo],
  };
}

/** The bridge's own sync bookkeeping: member mirror, department map, managed memberships, bindings made by sync. */
@Injectable()
export class SyncStateRepository {
  private readonly t: Record<'members' | 'departmentMap' | 'memberships' | 'bindings' | 'suspendedRoles', string>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    const s = config.database.bridgeSchema;
    this.t = {
      members: qualified(s, 'members'),
      departmentMap: qualified(s, 'department_map'),
      memberships: qualified(s, 'managed_memberships'),
      bindings: qualified(s, 'bindings'),
      suspendedRoles: qualified(s, 'suspended_roles'),
    };
  }

  async departmentMap(authenticatorId: number): Promise<MappedDepartment[]> {
    const rows = await this.dataSource.query(
      `SELECT wecom_id, nocobase_id::text AS nocobase_id, title, parent_nocobase_id::text AS parent FROM ${this.t.departmentMap} WHERE authenticator_id = $1`,
      [authenticatorId],
    );
    return rows.map((r: Record<string, unknown>) => ({
      wecomId: Number(r.wecom_id),
      nocobaseId: r.nocobase_id as string,
      title: r.title as string,
      parentNocobaseId: (r.parent as string) ?? null,
    }));
  }

  /** Just what the planner needs of each binding in the range (a lean read). */
  async bindings(authenticatorId: number, range: UseridRange): Promise<{ bindingId: number; wecomUserid: string; userId: number; source: 'login' | 'sync'; phone: string | null; suspended: boolean }[]> {
    const { sql, params } = inRange('wecom_userid', range, 2);
    const rows = await this.dataSource.query(
      `SELECT id, wecom_userid, nocobase_user_id, source, phone, suspended_at IS NOT NULL AS suspended FROM ${this.t.bindings}
        WHERE authenticator_id = $1 AND ${sql}`,
      [authenticatorId, ...params],
    );
    return rows.map((r: Record<string, unknown>) => ({
      bindingId: Number(r.id),
      wecomUserid: r.wecom_userid as string,
      userId: Number(r.nocobase_user_id),
      source: r.source as 'login' | 'sync',
      phone: (r.phone as string) ?? null,
      suspended: r.suspended as boolean,
    }));
  }

  async mirror(authenticatorId: number, range: UseridRange): Promise<MirroredMember[]> {
    const { sql, params } = inRange('userid', range, 2);
    const rows = await this.dataSource.query(`SELECT userid, hash, status, offboarded FROM ${this.t.members} WHERE authenticator_id = $1 AND ${sql}`, [authenticatorId, ...params]);
    return rows.map((r: Record<string, unknown>) => ({ userid: r.userid as string, hash: r.hash as string, status: r.status == null ? null : Number(r.status), offboarded: r.offboarded as boolean }));
  }

  /** The managed memberships of these users. */
  async memberships(authenticatorId: number, userIds: number[]): Promise<ManagedMembership[]> {
    if (!userIds.length) return [];
    const rows = await this.dataSource.query(
      `SELECT nocobase_department_id::text AS d, nocobase_user_id AS u, is_owner FROM ${this.t.memberships} WHERE authenticator_id = $1 AND nocobase_user_id = ANY($2::bigint[])`,
      [authenticatorId, userIds],
    );
    return rows.map((r: Record<string, unknown>) => ({ nocobaseDepartmentId: r.d as string, userId: Number(r.u), isOwner: r.is_owner as boolean }));
  }

  async upsertDepartmentMap(authenticatorId: number, rows: MappedDepartment[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const result = await m.query(
      `INSERT INTO ${this.t.departmentMap} (authenticator_id, wecom_id, nocobase_id, title, parent_nocobase_id)
       SELECT $1, w, n, t, p FROM unnest($2::int[], $3::bigint[], $4::text[], $5::bigint[]) AS x(w, n, t, p)
       ON CONFLICT (authenticator_id, wecom_id) DO UPDATE SET title = EXCLUDED.title, parent_nocobase_id = EXCLUDED.parent_nocobase_id, updated_at = now()
       RETURNING 1`,
      [authenticatorId, rows.map((r) => r.wecomId), rows.map((r) => r.nocobaseId), rows.map((r) => r.title), rows.map((r) => r.parentNocobaseId)],
    );
    return result.length;
  }

  async deleteDepartmentMap(authenticatorId: number, wecomIds: number[], m: EntityManager): Promise<number> {
    if (!wecomIds.length) return 0;
    const [, n] = await m.query(`DELETE FROM ${this.t.departmentMap} WHERE authenticator_id = $1 AND wecom_id = ANY($2::int[])`, [authenticatorId, wecomIds]);
    return Number(n);
  }

  async addMemberships(authenticatorId: number, rows: ManagedMembership[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const result = await m.query(
      `INSERT INTO ${this.t.memberships} (authenticator_id, nocobase_department_id, nocobase_user_id, is_owner)
       SELECT $1, d, u, o FROM unnest($2::bigint[], $3::bigint[], $4::boolean[]) AS x(d, u, o)
       ON CONFLICT (authenticator_id, nocobase_department_id, nocobase_user_id) DO UPDATE SET is_owner = EXCLUDED.is_owner
         WHERE ${this.t.memberships}.is_owner IS DISTINCT FROM EXCLUDED.is_owner
       RETURNING 1`,
      [authenticatorId, rows.map((r) => r.nocobaseDepartmentId), rows.map((r) => r.userId), rows.map((r) => r.isOwner)],
    );
    return result.length;
  }

  async removeMemberships(authenticatorId: number, rows: { nocobaseDepartmentId: string; userId: number }[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const [, n] = await m.query(
      `DELETE FROM ${this.t.memberships} AS x USING unnest($2::bigint[], $3::bigint[]) AS t(d, u)
        WHERE x.authenticator_id = $1 AND x.nocobase_department_id = t.d AND x.nocobase_user_id = t.u`,
      [authenticatorId, rows.map((r) => r.nocobaseDepartmentId), rows.map((r) => r.userId)],
    );
    return Number(n);
  }

  async removeMembershipsOfDepartments(authenticatorId: number, departmentIds: string[], m: EntityManager): Promise<number> {
    if (!departmentIds.length) return 0;
    const [, n] = await m.query(`DELETE FROM ${this.t.memberships} WHERE authenticator_id = $1 AND nocobase_department_id = ANY($2::bigint[])`, [
      authenticatorId,
      departmentIds,
    ]);
    return Number(n);
  }

  /** Writes the mirror rows whose hash changed; an unchanged row is not touched. */
  async upsertMirror(authenticatorId: number, rows: { member: DirectoryMember; hash: string; offboarded: boolean }[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const result = await m.query(
      `INSERT INTO ${this.t.members} (authenticator_id, userid, name, departments, leader_in, main_department, status, mobile, email, position, hash, offboarded)
       SELECT $1, u, n, string_to_array(d, ',')::int[], string_to_array(l, ',')::int[], md, st, mo, em, po, h, o
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::smallint[], $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[])
           AS x(u, n, d, l, md, st, mo, em, po, h, o)
       ON CONFLICT (authenticator_id, userid) DO UPDATE SET
         name = EXCLUDED.name, departments = EXCLUDED.departments, leader_in = EXCLUDED.leader_in, main_department = EXCLUDED.main_department,
         status = EXCLUDED.status, mobile = EXCLUDED.mobile, email = EXCLUDED.email, position = EXCLUDED.position, hash = EXCLUDED.hash,
         offboarded = EXCLUDED.offboarded, updated_at = now()
       WHERE ${this.t.members}.hash IS DISTINCT FROM EXCLUDED.hash OR ${this.t.members}.offboarded IS DISTINCT FROM EXCLUDED.offboarded
       RETURNING 1`,
      [
        authenticatorId,
        rows.map((r) => r.member.userid),
        rows.map((r) => r.member.name),
        rows.map((r) => r.member.departments.join(',')),
        rows.map((r) => r.member.leaderIn.join(',')),
        rows.map((r) => r.member.mainDepartment),
        rows.map((r) => r.member.status),
        rows.map((r) => r.member.mobile),
        rows.map((r) => r.member.email),
        rows.map((r) => r.member.position),
        rows.map((r) => r.hash),
        rows.map((r) => r.offboarded),
      ],
    );
    return result.length;
  }

  async forgetMirror(authenticatorId: number, userids: string[], m: EntityManager): Promise<number> {
    if (!userids.length) return 0;
    const [, n] = await m.query(`DELETE FROM ${this.t.members} WHERE authenticator_id = $1 AND userid = ANY($2::text[])`, [authenticatorId, userids]);
    return Number(n);
  }

  async insertSyncBindings(authenticatorId: number, rows: { userid: string; userId: number; phone: string | null }[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const result = await m.query(
      `INSERT INTO ${this.t.bindings} (authenticator_id, wecom_userid, nocobase_user_id, phone, source)
       SELECT $1, u, id, p, 'sync' FROM unnest($2::text[], $3::bigint[], $4::text[]) AS x(u, id, p)
       ON CONFLICT (authenticator_id, wecom_userid) DO UPDATE SET nocobase_user_id = EXCLUDED.nocobase_user_id, updated_at = now()
       RETURNING 1`,
      [authenticatorId, rows.map((r) => r.userid), rows.map((r) => r.userId), rows.map((r) => r.phone)],
    );
    return result.length;
  }

  async setSuspended(bindingIds: number[], suspended: boolean, m: EntityManager): Promise<number> {
    if (!bindingIds.length) return 0;
    const [, n] = await m.query(
      `UPDATE ${this.t.bindings} SET suspended_at = ${suspended ? 'now()' : 'NULL'}, updated_at = now() WHERE id = ANY($1::bigint[])`,
      [bindingIds],
    );
    return Number(n);
  }

  async deleteBindings(bindingIds: number[], m: EntityManager): Promise<number> {
    if (!bindingIds.length) return 0;
    const [, n] = await m.query(`DELETE FROM ${this.t.bindings} WHERE id = ANY($1::bigint[])`, [bindingIds]);
    return Number(n);
  }

  async rememberSuspendedRoles(bindingId: number, roles: string[], m: EntityManager): Promise<void> {
    if (!roles.length) return;
    await m.query(`INSERT INTO ${this.t.suspendedRoles} (binding_id, role_name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [bindingId, roles]);
  }

  async takeSuspendedRoles(bindingId: number, m: EntityManager): Promise<string[]> {
    const [rows] = await m.query(`DELETE FROM ${this.t.suspendedRoles} WHERE binding_id = $1 RETURNING role_name`, [bindingId]);
    return (rows as { role_name: string }[]).map((r) => r.role_name);
  }

  /** WeCom lets a system-generated userid be changed once (update_user with NewUserID): follow it. */
  async renameMember(authenticatorId: number, from: string, to: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(`UPDATE ${this.t.bindings} SET wecom_userid = $3, updated_at = now() WHERE authenticator_id = $1 AND wecom_userid = $2`, [authenticatorId, from, to]);
      await m.query(`UPDATE ${this.t.members} SET userid = $3 WHERE authenticator_id = $1 AND userid = $2`, [authenticatorId, from, to]);
    });
  }
}
