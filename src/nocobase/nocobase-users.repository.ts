import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { affectedRows, containsPattern } from '../database/sql';
import { PrivilegedRoles } from './privileged-roles';
import { NocobaseSchema } from './schema/nocobase-schema';

export interface NocobaseUser {
  id: number;
  nickname: string | null;
  username: string | null;
  email: string | null;
  phone: string | null;
}

/** A user to create; its id comes from allocateIds, so other rows can point at it in the same transaction. */
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

/** What the sync compares a bound member against. */
export interface DirectoryUserFields {
  nickname: string | null;
  email: string | null;
  phone: string | null;
  mainDepartmentId: string | null;
  /** Holds a privileged role (root, admin, WECOM_PROTECTED_ROLES): never offboarded, contact fields never overwritten. */
  isPrivileged: boolean;
}

/** The sort position after which the next new user goes; unknown (null) until the first insert reads it. */
export class SortCursor {
  after: number | null = null;
}

/** The auth type the companion NocoBase plugin registers (nocobase-plugin/). */
export const BRIDGE_AUTH_TYPE = 'wecom-bridge';

const UPDATABLE_FIELDS = ['nickname', 'email', 'phone', 'mainDepartmentId'] as const;
const FIELD_TYPES: Record<(typeof UPDATABLE_FIELDS)[number], string> = { nickname: 'text', email: 'text', phone: 'text', mainDepartmentId: 'bigint' };

/**
 * NocoBase's users and their roles (`users`, `rolesUsers`, and the rows NocoBase cascades in app
 * code when a user goes). The one place a NocoBase user is created: rows as NocoBase's own create
 * leaves them (timestamps, sort = max + 1, NULL rather than '' in unique columns) with the default
 * role. Reads and bulk writes are SQL; what a running NocoBase must see at once about an existing
 * user (sessions, cached roles) goes through NocobaseSessionService as well.
 */
@Injectable()
export class NocobaseUsersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly nb: NocobaseSchema,
    private readonly privileged: PrivilegedRoles,
  ) {}

  async findById(id: number, manager: EntityManager = this.dataSource.manager): Promise<NocobaseUser | null> {
    const rows = await manager.query(`${this.selectUsers()} WHERE ${this.nb.column('users', 'id')} = $1`, [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findByIds(ids: number[]): Promise<Map<number, NocobaseUser>> {
    if (!ids.length) return new Map();
    const rows = await this.dataSource.query(`${this.selectUsers()} WHERE ${this.nb.column('users', 'id')} = ANY($1::bigint[])`, [ids]);
    return new Map(rows.map((row: Record<string, unknown>) => [Number(row.id), toUser(row)]));
  }

  /** Ids of users whose nickname, username or email contains the text (case-insensitive), at most `limit`. */
  async searchIds(text: string, limit: number): Promise<number[]> {
    const u = this.nb.columns('users');
    const rows = await this.dataSource.query(
      `SELECT ${u.id} AS id FROM ${this.nb.table('users')} WHERE ${u.nickname} ILIKE $1 OR ${u.username} ILIKE $1 OR ${u.email} ILIKE $1 ORDER BY ${u.id} LIMIT $2`,
      [containsPattern(text), limit],
    );
    return rows.map((r: { id: string | number }) => Number(r.id));
  }

  /**
   * Users whose phone, with every non-digit removed, ends in the given national digits: a
   * superset of the exact matches, which the caller narrows by normalising each phone.
   */
  async findPhoneCandidates(nationalDigits: string, manager: EntityManager = this.dataSource.manager): Promise<NocobaseUser[]> {
    const phone = this.nb.column('users', 'phone');
    const rows = await manager.query(
      `${this.selectUsers()} WHERE ${phone} IS NOT NULL AND regexp_replace(${phone}, '\\D', '', 'g') LIKE '%' || $1 ORDER BY ${this.nb.column('users', 'id')}`,
      [nationalDigits],
    );
    return rows.map(toUser);
  }

  async emailTaken(email: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows = await manager.query(`SELECT 1 FROM ${this.nb.table('users')} WHERE lower(${this.nb.column('users', 'email')}) = lower($1) LIMIT 1`, [email]);
    return rows.length > 0;
  }

  /** The role NocoBase gives new users (`roles.default = true`), as its ACL plugin does. */
  async defaultRoleName(manager: EntityManager = this.dataSource.manager): Promise<string> {
    const name = this.nb.column('roles', 'name');
    const rows = await manager.query(
      `SELECT ${name} AS name FROM ${this.nb.table('roles')} WHERE ${this.nb.column('roles', 'default')} ORDER BY ${name} LIMIT 1`,
    );
    return rows[0]?.name ?? 'member';
  }

  /** Reserves ids from the users sequence, so rows that point at new users can be written with them. */
  async allocateIds(count: number, m: EntityManager): Promise<number[]> {
    if (count === 0) return [];
    const rows = await m.query(`SELECT nextval(pg_get_serial_sequence($1, $2)) AS id FROM generate_series(1, $3)`, [
      this.nb.table('users'),
      this.nb.column('users', 'id').replace(/"/g, ''),
      count,
    ]);
    return rows.map((r: { id: string }) => Number(r.id));
  }

  /**
   * Creates users (ids from allocateIds) with the default role, in the caller's transaction; returns rows written.
   * `sort` carries the next sort position from one call to the next (a sync's chunks): max(sort), a scan of every
   * user, is read once instead of per chunk. It is only a display order, so a gap or a tie with a user NocoBase
   * created meanwhile does no harm (NocoBase's own max + 1 is no more atomic).
   */
  async insertUsers(rows: NewUserRow[], m: EntityManager, sort: SortCursor = new SortCursor()): Promise<number> {
    if (!rows.length) return 0;
    const u = this.nb.columns('users');
    const table = this.nb.table('users');
    const hasSort = this.nb.hasColumn('users', 'sort');
    const hasMain = this.nb.hasColumn('users', 'mainDepartmentId') && this.nb.features.departments;
    if (sort.after === null) {
      const max = hasSort ? Number((await m.query(`SELECT COALESCE(max(${u.sort}), 0) AS base FROM ${table}`))[0].base) : 0;
      sort.after ??= max; // two chunks may both have read it: the first to get here sets it, each then takes its own range
    }
    const base = sort.after;
    sort.after += rows.length;
    const cols = [u.id, u.nickname, u.phone, u.email, u.createdAt, u.updatedAt, ...(hasSort ? [u.sort] : []), ...(hasMain ? [u.mainDepartmentId] : [])];
    const select = ['id', 'nickname', 'phone', 'email', 'now()', 'now()', ...(hasSort ? ['$6::bigint + ord'] : []), ...(hasMain ? ['main_id'] : [])];
    await m.query(
      `INSERT INTO ${table} (${cols.join(', ')})
       SELECT ${select.join(', ')} FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS t(id, nickname, phone, email, main_id, ord)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.nickname),
        rows.map((r) => r.phone || null),
        rows.map((r) => r.email || null),
        rows.map((r) => r.mainDepartmentId),
        base,
      ],
    );
    const role = await this.defaultRoleName(m);
    const r = this.nb.columns('rolesUsers');
    const hasDefault = this.nb.hasColumn('rolesUsers', 'default');
    await m.query(
      `INSERT INTO ${this.nb.table('rolesUsers')} (${r.roleName}, ${r.userId}, ${r.createdAt}, ${r.updatedAt}${hasDefault ? `, ${r.default}` : ''})
       SELECT $1, id, now(), now()${hasDefault ? ', true' : ''} FROM unnest($2::bigint[]) AS t(id) ON CONFLICT DO NOTHING`,
      [role, rows.map((x) => x.id)],
    );
    return rows.length * 2;
  }

  /** One new user (a login's auto sign-up), through the same path as the sync's bulk creation. */
  async create(user: Omit<NewUserRow, 'id' | 'mainDepartmentId'>, m: EntityManager): Promise<NocobaseUser> {
    const [id] = await this.allocateIds(1, m);
    await this.insertUsers([{ ...user, id, mainDepartmentId: null }], m);
    return (await this.findById(id, m))!;
  }

  /** Updates only the given fields of each user; rows are grouped by the set of fields they change. */
  async updateUsers(rows: UserFieldsUpdate[], m: EntityManager): Promise<number> {
    const groups = new Map<string, UserFieldsUpdate[]>();
    for (const row of rows) {
      const key = UPDATABLE_FIELDS.filter((f) => f in row).join(',');
      if (key) groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    let written = 0;
    const u = this.nb.columns('users');
    for (const [key, group] of groups) {
      const fields = key.split(',') as (typeof UPDATABLE_FIELDS)[number][];
      const params: unknown[] = [group.map((g) => g.id), ...fields.map((f) => group.map((g) => g[f] ?? null))];
      const columns = fields.map((f, i) => `$${i + 2}::${FIELD_TYPES[f]}[]`);
      const sets = fields.map((f, i) => `${u[f]} = t.f${i}`);
      written += affectedRows(
        await m.query(
          `UPDATE ${this.nb.table('users')} AS usr SET ${sets.join(', ')}, ${u.updatedAt} = now()
             FROM unnest($1::bigint[], ${columns.join(', ')}) AS t(id, ${fields.map((_, i) => `f${i}`).join(', ')})
            WHERE usr.${u.id} = t.id`,
          params,
        ),
      );
    }
    return written;
  }

  /** Departments removed by the sync stop being anyone's main department. */
  async clearMainDepartment(departmentIds: string[], m: EntityManager): Promise<number> {
    if (!departmentIds.length || !this.nb.hasColumn('users', 'mainDepartmentId')) return 0;
    const u = this.nb.columns('users');
    return affectedRows(
      await m.query(`UPDATE ${this.nb.table('users')} SET ${u.mainDepartmentId} = NULL WHERE ${u.mainDepartmentId} = ANY($1::bigint[])`, [departmentIds]),
    );
  }

  /** The fields the sync keeps in step, for these users, and whether a privileged role protects them. */
  async directoryFields(ids: number[]): Promise<Map<number, DirectoryUserFields>> {
    const result = new Map<number, DirectoryUserFields>();
    if (!ids.length) return result;
    const u = this.nb.columns('users');
    const r = this.nb.columns('rolesUsers');
    const main = this.nb.hasColumn('users', 'mainDepartmentId') ? `${u.mainDepartmentId}::text` : 'NULL';
    const rows = await this.dataSource.query(
      `SELECT usr.${u.id} AS id, usr.${u.nickname} AS nickname, usr.${u.email} AS email, usr.${u.phone} AS phone, ${main} AS main,
              EXISTS (SELECT 1 FROM ${this.nb.table('rolesUsers')} ru WHERE ru.${r.userId} = usr.${u.id} AND ru.${r.roleName} = ANY($2::text[])) AS privileged
         FROM ${this.nb.table('users')} usr WHERE usr.${u.id} = ANY($1::bigint[])`,
      [ids, this.privileged.names],
    );
    for (const row of rows) {
      result.set(Number(row.id), { nickname: row.nickname, email: row.email, phone: row.phone, mainDepartmentId: row.main, isPrivileged: row.privileged });
    }
    return result;
  }

  /** Every user's phone and email, raw: nothing the sync writes may collide with them. */
  async contactsInUse(): Promise<{ id: number; phone: string | null; email: string | null }[]> {
    const u = this.nb.columns('users');
    const rows = await this.dataSource.query(
      `SELECT ${u.id} AS id, ${u.phone} AS phone, ${u.email} AS email FROM ${this.nb.table('users')} WHERE ${u.phone} IS NOT NULL OR ${u.email} IS NOT NULL`,
    );
    return rows.map((r: Record<string, unknown>) => ({ id: Number(r.id), phone: (r.phone as string) ?? null, email: (r.email as string) ?? null }));
  }

  /** Role names of a user, or null when the user does not exist. */
  async rolesOf(userId: number, manager: EntityManager = this.dataSource.manager): Promise<string[] | null> {
    const u = this.nb.columns('users');
    const r = this.nb.columns('rolesUsers');
    const rows = await manager.query(
      `SELECT ru.${r.roleName} AS role FROM ${this.nb.table('users')} u
         LEFT JOIN ${this.nb.table('rolesUsers')} ru ON ru.${r.userId} = u.${u.id}
        WHERE u.${u.id} = $1`,
      [userId],
    );
    if (!rows.length) return null;
    return rows.map((x: { role: string | null }) => x.role).filter((x: string | null): x is string => x !== null);
  }

  /** A user and whether they hold a privileged role, in one round trip (a bound member's login asks both). */
  async findWithPrivilege(id: number): Promise<{ user: NocobaseUser; privileged: boolean } | null> {
    const idColumn = `${this.nb.table('users')}.${this.nb.column('users', 'id')}`;
    const r = this.nb.columns('rolesUsers');
    const roles = `ARRAY(SELECT ru.${r.roleName} FROM ${this.nb.table('rolesUsers')} ru WHERE ru.${r.userId} = ${idColumn}) AS roles`;
    const rows = await this.dataSource.query(`${this.selectUsers(roles)} WHERE ${idColumn} = $1`, [id]);
    return rows[0] ? { user: toUser(rows[0]), privileged: this.privileged.includesAny(rows[0].roles) } : null;
  }

  /** Whether the user holds a privileged role (see PrivilegedRoles). */
  async isPrivileged(userId: number, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    return this.privileged.includesAny((await this.rolesOf(userId, manager)) ?? []);
  }

  async removeRoles(userId: number, roles: string[], m: EntityManager): Promise<number> {
    if (!roles.length) return 0;
    const r = this.nb.columns('rolesUsers');
    return affectedRows(
      await m.query(`DELETE FROM ${this.nb.table('rolesUsers')} WHERE ${r.userId} = $1 AND ${r.roleName} = ANY($2::text[])`, [userId, roles]),
    );
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

  /**
   * Records that the user signs in through this NocoBase authenticator, as NocoBase's own SSO does
   * (so its user list says how they sign in): one row per (authenticator, user), `uuid` the WeCom
   * userid. Only for an authenticator of the companion plugin's type: a password authenticator
   * keeps no such rows.
   */
  async linkAuthenticator(userId: number, authenticator: string, uuid: string, nickname: string | null): Promise<void> {
    const a = this.nb.columns('usersAuthenticators');
    const n = this.nb.columns('authenticators');
    const cols = [a.authenticator, a.userId, a.uuid, a.createdAt, a.updatedAt];
    const values = ['$1::text', '$2::bigint', '$3::text', 'now()', 'now()'];
    const params: unknown[] = [authenticator, userId, uuid, BRIDGE_AUTH_TYPE];
    if (this.nb.hasColumn('usersAuthenticators', 'nickname')) {
      cols.push(a.nickname);
      values.push(`$${params.push(nickname ?? '')}::text`);
    }
    await this.dataSource.query(
      `INSERT INTO ${this.nb.table('usersAuthenticators')} (${cols.join(', ')})
       SELECT ${values.join(', ')} WHERE EXISTS (SELECT 1 FROM ${this.nb.table('authenticators')} WHERE ${n.name} = $1::text AND ${n.authType} = $4::text)
       ON CONFLICT DO NOTHING`,
      params,
    );
  }

  /** Deletes users with the rows NocoBase would cascade in app code (roles, memberships, sessions, auth links). */
  async deleteUsers(ids: number[], m: EntityManager): Promise<number> {
    if (!ids.length) return 0;
    let written = 0;
    const cascade = async (table: 'rolesUsers' | 'departmentsUsers' | 'usersAuthenticators' | 'issuedTokens') => {
      if (!this.nb.has(table)) return;
      written += affectedRows(await m.query(`DELETE FROM ${this.nb.table(table)} WHERE ${this.nb.column(table, 'userId')} = ANY($1::bigint[])`, [ids]));
    };
    await cascade('rolesUsers');
    await cascade('departmentsUsers');
    await cascade('usersAuthenticators');
    await cascade('issuedTokens');
    written += affectedRows(await m.query(`DELETE FROM ${this.nb.table('users')} WHERE ${this.nb.column('users', 'id')} = ANY($1::bigint[])`, [ids]));
    return written;
  }

  /** The columns a NocobaseUser is made of (toUser), and `extra` ones beside them. */
  private selectUsers(...extra: string[]): string {
    const c = this.nb.columns('users');
    const columns = [`${c.id} AS id`, `${c.nickname} AS nickname`, `${c.username} AS username`, `${c.email} AS email`, `${c.phone} AS phone`, ...extra];
    return `SELECT ${columns.join(', ')} FROM ${this.nb.table('users')}`;
  }
}

function toUser(row: Record<string, unknown>): NocobaseUser {
  return {
    id: Number(row.id),
    nickname: (row.nickname as string) ?? null,
    username: (row.username as string) ?? null,
    email: (row.email as string) ?? null,
    phone: (row.phone as string) ?? null,
  };
}
