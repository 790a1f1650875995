import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { affectedRows, containsPattern, qualified, selectPage } from '../database/sql';
import { useridRangeCondition, type UseridRange } from './userid-range';

/** How the binding was made: a member's first in-client login (by phone), a sync that provisioned the user, or an administrator. */
export type BindingSource = 'login' | 'sync' | 'admin';

export interface Binding {
  id: number;
  authenticatorId: number;
  wecomUserid: string;
  nocobaseUserId: number;
  phone: string | null;
  source: BindingSource;
  firstInClientAuthAt: Date | null;
  lastLoginAt: Date | null;
  suspendedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What the sync planner reads of each binding: a lean row, since a large run reads 100,000 of them. */
export interface PlannedBinding {
  bindingId: number;
  wecomUserid: string;
  nocobaseUserId: number;
  source: BindingSource;
  phone: string | null;
  suspended: boolean;
}

export interface BindingFilter {
  authenticatorId?: number;
  nocobaseUserId?: number;
  wecomUserid?: string;
  phone?: string;
  /** Any one of these matches (a free-text search: userid fragment, phone, NocoBase users). */
  anyOf?: { wecomUseridContains: string; phone: string | null; nocobaseUserIds: number[] };
}

const COLUMNS = `id, authenticator_id, wecom_userid, nocobase_user_id, phone, source, first_in_client_auth_at,
  last_login_at, suspended_at, created_at, updated_at`;

/**
 * WeCom userid ↔ phone ↔ NocoBase user, per authenticator, the roles a suspension took away, and
 * the users the sync provisioned for members: every statement on `bindings`, `suspended_roles` and
 * `provisioned_users`.
 *
 * The locking rule: no write overwrites a binding it did not read. The unique keys (authenticator,
 * userid) and (authenticator, NocoBase user) decide between concurrent creators (a sync's insert
 * yields to an existing binding: ON CONFLICT DO NOTHING), and every change to an existing binding
 * names the NocoBase user it was planned against, so a binding re-made in between is left alone.
 * Logins of one member are additionally serialised by LoginPolicyService's advisory lock.
 */
@Injectable()
export class BindingsRepository {
  private readonly table: string;
  private readonly suspendedRoles: string;

  private readonly provisioned: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'bindings');
    this.suspendedRoles = qualified(config.database.bridgeSchema, 'suspended_roles');
    this.provisioned = qualified(config.database.bridgeSchema, 'provisioned_users');
  }

  async findByUserid(authenticatorId: number, wecomUserid: string, manager: EntityManager = this.dataSource.manager): Promise<Binding | null> {
    const rows = await manager.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE authenticator_id = $1 AND wecom_userid = $2`, [authenticatorId, wecomUserid]);
    return rows[0] ? toBinding(rows[0]) : null;
  }

  async findById(id: number, manager: EntityManager = this.dataSource.manager): Promise<Binding | null> {
    const rows = await manager.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? toBinding(rows[0]) : null;
  }

  async findByNocobaseUser(authenticatorId: number, nocobaseUserId: number, manager: EntityManager = this.dataSource.manager): Promise<Binding | null> {
    const rows = await manager.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE authenticator_id = $1 AND nocobase_user_id = $2`, [
      authenticatorId,
      nocobaseUserId,
    ]);
    return rows[0] ? toBinding(rows[0]) : null;
  }

  async findByPhone(authenticatorId: number, phone: string, manager: EntityManager = this.dataSource.manager): Promise<Binding | null> {
    const rows = await manager.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE authenticator_id = $1 AND phone = $2 LIMIT 1`, [authenticatorId, phone]);
    return rows[0] ? toBinding(rows[0]) : null;
  }

  /** Records the binding made at a member's first in-client authorization. */
  async createAtFirstInClientLogin(
    b: { authenticatorId: number; wecomUserid: string; nocobaseUserId: number; phone: string | null },
    manager: EntityManager,
  ): Promise<Binding> {
    const [row] = await manager.query(
      `INSERT INTO ${this.table} (authenticator_id, wecom_userid, nocobase_user_id, phone, source, first_in_client_auth_at, last_login_at)
       VALUES ($1, $2, $3, $4, 'login', now(), now()) RETURNING ${COLUMNS}`,
      [b.authenticatorId, b.wecomUserid, b.nocobaseUserId, b.phone],
    );
    return toBinding(row);
  }

  /** An administrator binds a member to a user by hand: the only way a privileged user is bound. */
  async createByAdmin(b: { authenticatorId: number; wecomUserid: string; nocobaseUserId: number }, manager: EntityManager): Promise<Binding> {
    const [row] = await manager.query(
      `INSERT INTO ${this.table} (authenticator_id, wecom_userid, nocobase_user_id, source) VALUES ($1, $2, $3, 'admin') RETURNING ${COLUMNS}`,
      [b.authenticatorId, b.wecomUserid, b.nocobaseUserId],
    );
    return toBinding(row);
  }

  /** An administrator confirms an existing binding (e.g. of a user promoted since it was made by phone). */
  async confirmByAdmin(id: number, manager: EntityManager): Promise<Binding> {
    const [rows] = await manager.query(`UPDATE ${this.table} SET source = 'admin', updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
    return toBinding(rows[0]);
  }

  /** A login through an existing binding; an in-client one also refreshes the phone. */
  async recordLogin(id: number, inClient: { phone: string | null } | null, manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (inClient) {
      await manager.query(
        `UPDATE ${this.table} SET last_login_at = now(), updated_at = now(), phone = COALESCE($2, phone),
           first_in_client_auth_at = COALESCE(first_in_client_auth_at, now()) WHERE id = $1`,
        [id, inClient.phone],
      );
    } else {
      await manager.query(`UPDATE ${this.table} SET last_login_at = now() WHERE id = $1`, [id]);
    }
  }

  async list(filter: BindingFilter, page: number, pageSize: number): Promise<{ rows: Binding[]; count: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, value: unknown) => where.push(`${column} = $${params.push(value)}`);
    if (filter.authenticatorId !== undefined) add('authenticator_id', filter.authenticatorId);
    if (filter.nocobaseUserId !== undefined) add('nocobase_user_id', filter.nocobaseUserId);
    if (filter.wecomUserid !== undefined) add('wecom_userid', filter.wecomUserid);
    if (filter.phone !== undefined) add('phone', filter.phone);
    if (filter.anyOf) {
      const { wecomUseridContains, phone, nocobaseUserIds } = filter.anyOf;
      where.push(
        `(wecom_userid ILIKE $${params.push(containsPattern(wecomUseridContains))} OR phone = $${params.push(phone)} OR nocobase_user_id = ANY($${params.push(nocobaseUserIds)}::bigint[]))`,
      );
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const { rows, count } = await selectPage<Record<string, unknown>>(
      this.dataSource,
      { columns: COLUMNS, from: this.table, where: clause, orderBy: 'id', params },
      page,
      pageSize,
    );
    return { rows: rows.map(toBinding), count };
  }

  /** Every bound userid of an authenticator (after a whole read, the ones not read are gone from WeCom). */
  async boundUserids(authenticatorId: number): Promise<string[]> {
    const rows = await this.dataSource.query(`SELECT wecom_userid FROM ${this.table} WHERE authenticator_id = $1`, [authenticatorId]);
    return rows.map((r: { wecom_userid: string }) => r.wecom_userid);
  }

  /** The bindings of a userid range, as the sync planner needs them. */
  async forPlanning(authenticatorId: number, range: UseridRange): Promise<PlannedBinding[]> {
    const { sql, params } = useridRangeCondition('wecom_userid', range, 2);
    const rows = await this.dataSource.query(
      `SELECT id, wecom_userid, nocobase_user_id, source, phone, suspended_at IS NOT NULL AS suspended FROM ${this.table}
        WHERE authenticator_id = $1 AND ${sql}`,
      [authenticatorId, ...params],
    );
    return rows.map((r: Record<string, unknown>) => ({
      bindingId: Number(r.id),
      wecomUserid: r.wecom_userid as string,
      nocobaseUserId: Number(r.nocobase_user_id),
      source: r.source as BindingSource,
      phone: (r.phone as string) ?? null,
      suspended: r.suspended as boolean,
    }));
  }

  /**
   * Bindings for users the sync is creating. A member bound in the meantime (a login between plan
   * and apply) keeps that binding: returns the userids actually bound here, whose users may be created.
   */
  async insertFromSync(
    authenticatorId: number,
    rows: { wecomUserid: string; nocobaseUserId: number; phone: string | null }[],
    m: EntityManager,
  ): Promise<Set<string>> {
    if (!rows.length) return new Set();
    const inserted = await m.query(
      `INSERT INTO ${this.table} (authenticator_id, wecom_userid, nocobase_user_id, phone, source)
       SELECT $1, u, id, p, 'sync' FROM unnest($2::text[], $3::bigint[], $4::text[]) AS x(u, id, p)
       ON CONFLICT DO NOTHING
       RETURNING wecom_userid`,
      [authenticatorId, rows.map((r) => r.wecomUserid), rows.map((r) => r.nocobaseUserId), rows.map((r) => r.phone)],
    );
    return new Set(inserted.map((r: { wecom_userid: string }) => r.wecom_userid));
  }

  /** Remembers which users the sync created for which members, in the transaction that creates them. */
  async recordProvisioned(
    authenticatorId: number,
    rows: { wecomUserid: string; nocobaseUserId: number }[],
    runId: number | null,
    m: EntityManager,
  ): Promise<number> {
    if (!rows.length) return 0;
    const inserted = await m.query(
      `INSERT INTO ${this.provisioned} (authenticator_id, nocobase_user_id, wecom_userid, run_id)
       SELECT $1, id, u, $4 FROM unnest($2::bigint[], $3::text[]) AS x(id, u) ON CONFLICT DO NOTHING RETURNING 1`,
      [authenticatorId, rows.map((r) => r.nocobaseUserId), rows.map((r) => r.wecomUserid), runId],
    );
    return inserted.length;
  }

  /**
   * Users the sync provisioned for members of the range that no binding points at, while the member is
   * bound to nobody. Two NOT EXISTS, not one with an OR: each is an index probe, where the OR let
   * PostgreSQL compare every pair (47 s for 2,000 userids against 90,000 bindings, statistics stale).
   */
  async unboundProvisioned(authenticatorId: number, range: UseridRange): Promise<{ wecomUserid: string; nocobaseUserId: number }[]> {
    const { sql, params } = useridRangeCondition('p.wecom_userid', range, 2);
    const rows = await this.dataSource.query(
      `SELECT p.wecom_userid, p.nocobase_user_id FROM ${this.provisioned} p
        WHERE p.authenticator_id = $1 AND ${sql}
          AND NOT EXISTS (SELECT 1 FROM ${this.table} b WHERE b.authenticator_id = p.authenticator_id AND b.nocobase_user_id = p.nocobase_user_id)
          AND NOT EXISTS (SELECT 1 FROM ${this.table} b WHERE b.authenticator_id = p.authenticator_id AND b.wecom_userid = p.wecom_userid)`,
      [authenticatorId, ...params],
    );
    return rows.map((r: { wecom_userid: string; nocobase_user_id: string }) => ({ wecomUserid: r.wecom_userid, nocobaseUserId: Number(r.nocobase_user_id) }));
  }

  /** Suspends or restores bindings that still point at the users they were planned against; returns those changed. */
  async setSuspended(bindings: { id: number; nocobaseUserId: number }[], suspended: boolean, m: EntityManager): Promise<number> {
    if (!bindings.length) return 0;
    return affectedRows(
      await m.query(
        `UPDATE ${this.table} AS b SET suspended_at = ${suspended ? 'now()' : 'NULL'}, updated_at = now()
           FROM unnest($1::bigint[], $2::bigint[]) AS t(id, user_id) WHERE b.id = t.id AND b.nocobase_user_id = t.user_id`,
        [bindings.map((b) => b.id), bindings.map((b) => b.nocobaseUserId)],
      ),
    );
  }

  /** Deletes bindings that still point at the users they were planned against. */
  async deletePlanned(bindings: { id: number; nocobaseUserId: number }[], m: EntityManager): Promise<number> {
    if (!bindings.length) return 0;
    return affectedRows(
      await m.query(
        `DELETE FROM ${this.table} AS b USING unnest($1::bigint[], $2::bigint[]) AS t(id, user_id) WHERE b.id = t.id AND b.nocobase_user_id = t.user_id`,
        [bindings.map((b) => b.id), bindings.map((b) => b.nocobaseUserId)],
      ),
    );
  }

  /** Deletes one binding (an admin unbinding, or a login finding its NocoBase user gone). */
  async delete(id: number, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    return affectedRows(await manager.query(`DELETE FROM ${this.table} WHERE id = $1`, [id])) > 0;
  }

  async rememberSuspendedRoles(bindingId: number, roles: string[], m: EntityManager): Promise<void> {
    if (!roles.length) return;
    await m.query(`INSERT INTO ${this.suspendedRoles} (binding_id, role_name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [bindingId, roles]);
  }

  async takeSuspendedRoles(bindingId: number, m: EntityManager): Promise<string[]> {
    const [rows] = await m.query(`DELETE FROM ${this.suspendedRoles} WHERE binding_id = $1 RETURNING role_name`, [bindingId]);
    return (rows as { role_name: string }[]).map((r) => r.role_name);
  }

  /** WeCom lets a system-generated userid be changed once (update_user with NewUserID): the binding follows. */
  async renameUserid(authenticatorId: number, from: string, to: string, m: EntityManager): Promise<void> {
    await m.query(`UPDATE ${this.table} SET wecom_userid = $3, updated_at = now() WHERE authenticator_id = $1 AND wecom_userid = $2`, [
      authenticatorId,
      from,
      to,
    ]);
  }
}

function toBinding(row: Record<string, unknown>): Binding {
  return {
    id: Number(row.id),
    authenticatorId: Number(row.authenticator_id),
    wecomUserid: row.wecom_userid as string,
    nocobaseUserId: Number(row.nocobase_user_id),
    phone: (row.phone as string) ?? null,
    source: row.source as BindingSource,
    firstInClientAuthAt: (row.first_in_client_auth_at as Date) ?? null,
    lastLoginAt: (row.last_login_at as Date) ?? null,
    suspendedAt: (row.suspended_at as Date) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}
