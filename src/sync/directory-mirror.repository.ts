import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { qualified } from '../database/sql';
import { useridRangeCondition, type UseridRange } from '../users/userid-range';
import type { DirectoryMember } from './fetch/directory.types';
import type { ManagedMembership, MappedDepartment, MirroredMember } from './plan/sync-plan.types';

/**
 * What the sync remembers of WeCom: the member mirror (every member as last read, so an unchanged
 * one costs nothing and an unbound one waits for its first login), the WeCom ↔ NocoBase department
 * map, and the NocoBase memberships the sync made (the only ones it ever changes).
 */
@Injectable()
export class DirectoryMirrorRepository {
  private readonly t: Record<'members' | 'departmentMap' | 'memberships', string>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    const s = config.database.bridgeSchema;
    this.t = {
      members: qualified(s, 'members'),
      departmentMap: qualified(s, 'department_map'),
      memberships: qualified(s, 'managed_memberships'),
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

  async mirror(authenticatorId: number, range: UseridRange): Promise<MirroredMember[]> {
    const { sql, params } = useridRangeCondition('userid', range, 2);
    const rows = await this.dataSource.query(`SELECT userid, hash, status, offboarded FROM ${this.t.members} WHERE authenticator_id = $1 AND ${sql}`, [
      authenticatorId,
      ...params,
    ]);
    return rows.map((r: Record<string, unknown>) => ({
      userid: r.userid as string,
      hash: r.hash as string,
      status: r.status == null ? null : Number(r.status),
      offboarded: r.offboarded as boolean,
    }));
  }

  /** Every mirrored userid of an authenticator (after a whole read, the ones not read are gone from WeCom). */
  async mirroredUserids(authenticatorId: number): Promise<string[]> {
    const rows = await this.dataSource.query(`SELECT userid FROM ${this.t.members} WHERE authenticator_id = $1`, [authenticatorId]);
    return rows.map((r: { userid: string }) => r.userid);
  }

  /** The managed memberships of these users. */
  async memberships(authenticatorId: number, nocobaseUserIds: number[]): Promise<ManagedMembership[]> {
    if (!nocobaseUserIds.length) return [];
    const rows = await this.dataSource.query(
      `SELECT nocobase_department_id::text AS department_id, nocobase_user_id AS user_id, is_owner FROM ${this.t.memberships}
        WHERE authenticator_id = $1 AND nocobase_user_id = ANY($2::bigint[])`,
      [authenticatorId, nocobaseUserIds],
    );
    return rows.map((r: Record<string, unknown>) => ({
      nocobaseDepartmentId: r.department_id as string,
      nocobaseUserId: Number(r.user_id),
      isOwner: r.is_owner as boolean,
    }));
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
      [authenticatorId, rows.map((r) => r.nocobaseDepartmentId), rows.map((r) => r.nocobaseUserId), rows.map((r) => r.isOwner)],
    );
    return result.length;
  }

  async removeMemberships(authenticatorId: number, rows: Omit<ManagedMembership, 'isOwner'>[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const [, n] = await m.query(
      `DELETE FROM ${this.t.memberships} AS x USING unnest($2::bigint[], $3::bigint[]) AS t(d, u)
        WHERE x.authenticator_id = $1 AND x.nocobase_department_id = t.d AND x.nocobase_user_id = t.u`,
      [authenticatorId, rows.map((r) => r.nocobaseDepartmentId), rows.map((r) => r.nocobaseUserId)],
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

  /** Writes the mirror rows whose hash changed; an unchanged row is not touched. One JSON parameter (see SyncRunsRepository.insertItems). */
  async upsertMirror(authenticatorId: number, rows: { member: DirectoryMember; hash: string; offboarded: boolean }[], m: EntityManager): Promise<number> {
    if (!rows.length) return 0;
    const result = await m.query(
      `INSERT INTO ${this.t.members} (authenticator_id, userid, name, departments, leader_in, main_department, status, mobile, email, position, hash, offboarded)
       SELECT $1, u, n, d, l, md, st, mo, em, po, h, o
         FROM json_to_recordset($2::json) AS x(u text, n text, d int[], l int[], md int, st smallint, mo text, em text, po text, h text, o boolean)
       ON CONFLICT (authenticator_id, userid) DO UPDATE SET
         name = EXCLUDED.name, departments = EXCLUDED.departments, leader_in = EXCLUDED.leader_in, main_department = EXCLUDED.main_department,
         status = EXCLUDED.status, mobile = EXCLUDED.mobile, email = EXCLUDED.email, position = EXCLUDED.position, hash = EXCLUDED.hash,
         offboarded = EXCLUDED.offboarded, updated_at = now()
       WHERE ${this.t.members}.hash IS DISTINCT FROM EXCLUDED.hash OR ${this.t.members}.offboarded IS DISTINCT FROM EXCLUDED.offboarded
       RETURNING 1`,
      [
        authenticatorId,
        JSON.stringify(
          rows.map(({ member: x, hash, offboarded }) => ({
            u: x.userid,
            n: x.name,
            d: x.departments,
            l: x.leaderIn,
            md: x.mainDepartment,
            st: x.status,
            mo: x.mobile,
            em: x.email,
            po: x.position,
            h: hash,
            o: offboarded,
          })),
        ),
      ],
    );
    return result.length;
  }

  async forgetMirror(authenticatorId: number, userids: string[], m: EntityManager): Promise<number> {
    if (!userids.length) return 0;
    const [, n] = await m.query(`DELETE FROM ${this.t.members} WHERE authenticator_id = $1 AND userid = ANY($2::text[])`, [authenticatorId, userids]);
    return Number(n);
  }

  /** WeCom lets a system-generated userid be changed once (update_user with NewUserID): the mirror follows. */
  async renameMember(authenticatorId: number, from: string, to: string, m: EntityManager): Promise<void> {
    await m.query(`UPDATE ${this.t.members} SET userid = $3 WHERE authenticator_id = $1 AND userid = $2`, [authenticatorId, from, to]);
  }
}
