import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { qualified } from '../../database/sql';

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
}

/** Every login decision, kept for admins (who logged in how, who was refused and why). */
@Injectable()
export class LoginAuditRepository {
  private readonly table: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'login_audit');
  }

  async record(e: LoginAuditEntry): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} (authenticator_id, wecom_userid, nocobase_user_id, in_client, outcome, code, message, ip, user_agent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [e.authenticatorId, e.wecomUserid, e.nocobaseUserId, e.inClient, e.outcome, e.code, e.message, e.ip, e.userAgent?.slice(0, 500) ?? null],
    );
  }

  async list(filter: { authenticatorId?: number; wecomUserid?: string }, limit = 100): Promise<(LoginAuditEntry & { id: number; at: Date })[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE ($1::bigint IS NULL OR authenticator_id = $1) AND ($2::text IS NULL OR wecom_userid = $2)
       ORDER BY id DESC LIMIT $3`,
      [filter.authenticatorId ?? null, filter.wecomUserid ?? null, limit],
    );
    return rows.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      at: r.at as Date,
      authenticatorId: r.authenticator_id == null ? null : Number(r.authenticator_id),
      wecomUserid: (r.wecom_userid as string) ?? null,
      nocobaseUserId: r.nocobase_user_id == null ? null : Number(r.nocobase_user_id),
      inClient: r.in_client as boolean,
      outcome: r.outcome as LoginAuditEntry['outcome'],
      code: r.code as string,
      message: (r.message as string) ?? null,
      ip: (r.ip as string) ?? null,
      userAgent: (r.user_agent as string) ?? null,
    }));
  }
}
