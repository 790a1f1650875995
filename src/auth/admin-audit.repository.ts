import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { qualified } from '../database/sql';
import type { AdminPrincipal } from './admin.guard';

export interface AdminAuditEntry {
  admin: AdminPrincipal;
  /** What was done, e.g. `binding.create`. */
  action: string;
  authenticatorId: number | null;
  detail: Record<string, unknown>;
  ip: string | null;
}

/** What administrators changed through the admin API, and who (the API key, or which NocoBase user). */
@Injectable()
export class AdminAuditRepository {
  private readonly table: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'admin_audit');
  }

  /** In the caller's transaction, so the change and its audit row commit together. */
  async record(e: AdminAuditEntry, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const actor = e.admin.kind === 'api-key' ? 'api-key' : `nocobase-user:${e.admin.userId}`;
    const [row] = await manager.query(`INSERT INTO ${this.table} (actor, action, authenticator_id, detail, ip) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
      actor,
      e.action,
      e.authenticatorId,
      JSON.stringify(e.detail),
      e.ip,
    ]);
    return Number(row.id);
  }
}
