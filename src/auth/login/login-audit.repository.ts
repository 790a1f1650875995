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
  /** The request's id, as in the logs and the error envelope. */
  requestId: string | null;
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
      `INSERT INTO ${this.table} (authenticator_id, wecom_userid, nocobase_user_id, in_client, outcome, code, message, ip, user_agent, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [e.authenticatorId, e.wecomUserid, e.nocobaseUserId, e.inClient, e.outcome, e.code, e.message, e.ip, e.userAgent?.slice(0, 500) ?? null, e.requestId],
    );
  }
}
