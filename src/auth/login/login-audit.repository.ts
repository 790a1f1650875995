import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { qualified, selectPage } from '../../database/sql';

export interface LoginAuditEntry {
  authenticatorId: number | null;
  wecomUserid: string | null;
  nocobaseUserId: number | null;
  inClient: boolean;
  /** succeeded | refused | failed */
  outcome: 'succeeded' | 'refused' | 'failed';
  /** A decision code: BOUND, FIRST_BINDING, SIGNED_UP, or the error code of a refusal. */
  code: string;
  message: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The request's id, as in the logs and the error envelope. */
  requestId: string | null;
}

/** A recorded decision, as administrators read it. */
export interface LoginAuditRow extends LoginAuditEntry {
  id: number;
  at: Date;
}

export interface LoginAuditFilter {
  authenticatorId?: number;
  wecomUserid?: string;
  outcome?: LoginAuditEntry['outcome'];
  code?: string;
}

const COLUMNS = 'id, at, authenticator_id, wecom_userid, nocobase_user_id, in_client, outcome, code, message, ip, user_agent, request_id';

/**
 * Every login decision, kept for admins (who logged in how, who was refused and why). The message
 * is the full detail (WeCom's errmsg, ids, IPs); a refused member sees a plain message and the
 * row's id as its reference.
 */
@Injectable()
export class LoginAuditRepository {
  private readonly table: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'login_audit');
  }

  /** Returns the row's id, the reference a refused member is given. */
  async record(e: LoginAuditEntry): Promise<number> {
    const [row] = await this.dataSource.query(
      `INSERT INTO ${this.table} (authenticator_id, wecom_userid, nocobase_user_id, in_client, outcome, code, message, ip, user_agent, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [e.authenticatorId, e.wecomUserid, e.nocobaseUserId, e.inClient, e.outcome, e.code, e.message, e.ip, e.userAgent?.slice(0, 500) ?? null, e.requestId],
    );
    return Number(row.id);
  }

  /** Many rows in one statement, each with the time of its decision (a queued success is written after it). */
  async recordMany(entries: Array<LoginAuditEntry & { at: Date }>): Promise<void> {
    if (!entries.length) return;
    const column = <K extends keyof (LoginAuditEntry & { at: Date })>(k: K) => entries.map((e) => e[k]);
    await this.dataSource.query(
      `INSERT INTO ${this.table} (at, authenticator_id, wecom_userid, nocobase_user_id, in_client, outcome, code, message, ip, user_agent, request_id)
       SELECT * FROM unnest($1::timestamptz[], $2::bigint[], $3::text[], $4::bigint[], $5::boolean[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`,
      [
        column('at'),
        column('authenticatorId'),
        column('wecomUserid'),
        column('nocobaseUserId'),
        column('inClient'),
        column('outcome'),
        column('code'),
        column('message'),
        column('ip'),
        entries.map((e) => e.userAgent?.slice(0, 500) ?? null),
        column('requestId'),
      ],
    );
  }

  async findById(id: number): Promise<LoginAuditRow | null> {
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Newest first. */
  async list(filter: LoginAuditFilter, page: number, pageSize: number): Promise<{ rows: LoginAuditRow[]; count: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, value: unknown) => value !== undefined && where.push(`${column} = $${params.push(value)}`);
    add('authenticator_id', filter.authenticatorId);
    add('wecom_userid', filter.wecomUserid);
    add('outcome', filter.outcome);
    add('code', filter.code);
    const { rows, count } = await selectPage<Record<string, unknown>>(
      this.dataSource,
      { columns: COLUMNS, from: this.table, where: where.length ? `WHERE ${where.join(' AND ')}` : '', orderBy: 'id DESC', params },
      page,
      pageSize,
    );
    return { rows: rows.map(toRow), count };
  }

  /** The latest refusal per WeCom error code over the last `days`: what WeCom's console needs fixing (50001, 60020, …). */
  async recentWecomErrors(authenticatorId: number, days: number): Promise<{ at: Date; code: string; message: string | null }[]> {
    return this.dataSource.query(
      `SELECT * FROM (SELECT DISTINCT ON (code) at, code, message FROM ${this.table}
          WHERE authenticator_id = $1 AND code LIKE 'WECOM\\_%' AND at > now() - make_interval(days => $2) ORDER BY code, at DESC) latest
        ORDER BY at DESC`,
      [authenticatorId, days],
    );
  }
}

function toRow(r: Record<string, unknown>): LoginAuditRow {
  return {
    id: Number(r.id),
    at: r.at as Date,
    authenticatorId: r.authenticator_id === null ? null : Number(r.authenticator_id),
    wecomUserid: (r.wecom_userid as string) ?? null,
    nocobaseUserId: r.nocobase_user_id === null ? null : Number(r.nocobase_user_id),
    inClient: r.in_client as boolean,
    outcome: r.outcome as LoginAuditEntry['outcome'],
    code: r.code as string,
    message: (r.message as string) ?? null,
    ip: (r.ip as string) ?? null,
    userAgent: (r.user_agent as string) ?? null,
    requestId: (r.request_id as string) ?? null,
  };
}
