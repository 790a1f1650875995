import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { qualified } from '../database/sql';

export interface Binding {
  id: number;
  authenticatorId: number;
  wecomUserid: string;
  nocobaseUserId: number;
  phone: string | null;
  source: 'login' | 'sync';
  firstInClientAuthAt: Date | null;
  lastLoginAt: Date | null;
  suspendedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BindingFilter {
  authenticatorId?: number;
  nocobaseUserId?: number;
  wecomUserid?: string;
  phone?: string;
}

const COLUMNS = `id, authenticator_id, wecom_userid, nocobase_user_id, phone, source, first_in_client_auth_at,
  last_login_at, suspended_at, created_at, updated_at`;

/** WeCom userid ↔ phone ↔ NocoBase user, per authenticator (the bridge's own table). */
@Injectable()
export class BindingsRepository {
  private readonly table: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'bindings');
  }

  async findByUserid(authenticatorId: number, wecomUserid: string, manager: EntityManager = this.dataSource.manager): Promise<Binding | null> {
    const rows = await manager.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE authenticator_id = $1 AND wecom_userid = $2`, [authenticatorId, wecomUserid]);
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

  async deleteStale(id: number, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
  }

  async list(filter: BindingFilter, page: number, pageSize: number): Promise<{ rows: Binding[]; count: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.authenticatorId !== undefined) add('authenticator_id = ?', filter.authenticatorId);
    if (filter.nocobaseUserId !== undefined) add('nocobase_user_id = ?', filter.nocobaseUserId);
    if (filter.wecomUserid !== undefined) add('wecom_userid = ?', filter.wecomUserid);
    if (filter.phone !== undefined) add('phone = ?', filter.phone);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ count }] = await this.dataSource.query(`SELECT count(*)::int AS count FROM ${this.table} ${clause}`, params);
    const rows = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${this.table} ${clause} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, pageSize, (page - 1) * pageSize],
    );
    return { rows: rows.map(toBinding), count };
  }

  async allOf(authenticatorId: number): Promise<Binding[]> {
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE authenticator_id = $1`, [authenticatorId]);
    return rows.map(toBinding);
  }

  async delete(id: number): Promise<boolean> {
    const [, affected] = await this.dataSource.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
    return affected > 0;
  }
}

function toBinding(row: Record<string, unknown>): Binding {
  return {
    id: Number(row.id),
    authenticatorId: Number(row.authenticator_id),
    wecomUserid: row.wecom_userid as string,
    nocobaseUserId: Number(row.nocobase_user_id),
    phone: (row.phone as string) ?? null,
    source: row.source as Binding['source'],
    firstInClientAuthAt: (row.first_in_client_auth_at as Date) ?? null,
    lastLoginAt: (row.last_login_at as Date) ?? null,
    suspendedAt: (row.suspended_at as Date) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}
