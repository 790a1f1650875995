import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { NocobaseSchema } from '../nocobase/nocobase-schema';

export interface NocobaseUser {
  id: number;
  nickname: string | null;
  username: string | null;
  email: string | null;
  phone: string | null;
}

export interface NewNocobaseUser {
  nickname: string;
  phone: string | null;
  email: string | null;
}

/**
 * NocoBase's users table, through the resolved schema. Reads and bulk creation go through
 * SQL; changes a running NocoBase must see at once (roles, deletion, sessions) do not.
 */
@Injectable()
export class NocobaseUsersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly nb: NocobaseSchema,
  ) {}

  async findById(id: number, manager: EntityManager = this.dataSource.manager): Promise<NocobaseUser | null> {
    const rows = await manager.query(`${this.selectUsers()} WHERE ${this.nb.column('users', 'id')} = $1`, [id]);
    return rows[0] ? toUser(rows[0]) : null;
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

  /**
   * Inserts a user the way NocoBase's own create does (timestamps, sort = max + 1, NULL rather
   * than '' in unique columns) and gives it the default role, in the caller's transaction.
   */
  async create(user: NewNocobaseUser, defaultRole: string, manager: EntityManager): Promise<NocobaseUser> {
    const c = this.nb.columns('users');
    const users = this.nb.table('users');
    const cols = [c.nickname, c.phone, c.email, c.createdAt, c.updatedAt];
    const values = ['$1', '$2', '$3', 'now()', 'now()'];
    if (this.nb.hasColumn('users', 'sort')) {
      cols.push(c.sort);
      values.push(`(SELECT COALESCE(max(${c.sort}), 0) + 1 FROM ${users})`);
    }
    const [row] = await manager.query(
      `INSERT INTO ${users} (${cols.join(', ')}) VALUES (${values.join(', ')})
       RETURNING ${c.id} AS id, ${c.nickname} AS nickname, ${c.username} AS username, ${c.email} AS email, ${c.phone} AS phone`,
      [user.nickname, user.phone || null, user.email || null],
    );
    const r = this.nb.columns('rolesUsers');
    const roleCols = [r.roleName, r.userId, r.createdAt, r.updatedAt];
    const roleValues = ['$1', '$2', 'now()', 'now()'];
    if (this.nb.hasColumn('rolesUsers', 'default')) {
      roleCols.push(r.default);
      roleValues.push('true');
    }
    await manager.query(`INSERT INTO ${this.nb.table('rolesUsers')} (${roleCols.join(', ')}) VALUES (${roleValues.join(', ')}) ON CONFLICT DO NOTHING`, [
      defaultRole,
      row.id,
    ]);
    return toUser(row);
  }

  /** The role NocoBase gives new users (`roles.default = true`), as its ACL plugin does. */
  async defaultRoleName(manager: EntityManager = this.dataSource.manager): Promise<string> {
    const name = this.nb.column('roles', 'name');
    const rows = await manager.query(`SELECT ${name} AS name FROM ${this.nb.table('roles')} WHERE ${this.nb.column('roles', 'default')} ORDER BY ${name} LIMIT 1`);
    return rows[0]?.name ?? 'member';
  }

  private selectUsers(): string {
    const c = this.nb.columns('users');
    return `SELECT ${c.id} AS id, ${c.nickname} AS nickname, ${c.username} AS username, ${c.email} AS email, ${c.phone} AS phone FROM ${this.nb.table('users')}`;
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
