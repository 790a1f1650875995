import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { qualified } from '../../database/sql';

export interface ContactEvent {
  id: number;
  changeType: string;
  payload: Record<string, unknown>;
}

/**
 * Contact-change callbacks as received: deduplicated by content, processed in order, each with its
 * own outcome (`error` null = applied), kept for RETENTION after processing.
 */
@Injectable()
export class ContactEventsRepository {
  private readonly table: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'contact_events');
  }

  /** False when the same event was already received (WeCom redelivers until it sees a 200). */
  async record(authenticatorId: number, dedupeKey: string, changeType: string, payload: Record<string, string>): Promise<boolean> {
    const rows = await this.dataSource.query(
      `INSERT INTO ${this.table} (authenticator_id, dedupe_key, change_type, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT (authenticator_id, dedupe_key) DO NOTHING RETURNING id`,
      [authenticatorId, dedupeKey, changeType, JSON.stringify(payload)],
    );
    return rows.length > 0;
  }

  /** A signed event that could not be read: kept as a processed failure, so an administrator sees it and nothing retries it. */
  async recordRefused(authenticatorId: number, dedupeKey: string, reason: string, excerpt: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} (authenticator_id, dedupe_key, change_type, payload, processed_at, error) VALUES ($1, $2, '(refused)', $3, now(), $4)
       ON CONFLICT (authenticator_id, dedupe_key) DO NOTHING`,
      [authenticatorId, dedupeKey, JSON.stringify({ excerpt }), `refused: ${reason}`],
    );
  }

  async pending(authenticatorId: number, limit = 1000): Promise<ContactEvent[]> {
    const rows = await this.dataSource.query(
      `SELECT id, change_type, payload FROM ${this.table} WHERE authenticator_id = $1 AND processed_at IS NULL ORDER BY id LIMIT $2`,
      [authenticatorId, limit],
    );
    return rows.map((r: Record<string, unknown>) => ({ id: Number(r.id), changeType: r.change_type as string, payload: r.payload as Record<string, unknown> }));
  }

  async markProcessed(ids: number[], error: string | null): Promise<void> {
    if (!ids.length) return;
    await this.dataSource.query(`UPDATE ${this.table} SET processed_at = now(), error = $2 WHERE id = ANY($1::bigint[])`, [ids, error]);
  }

  /** Authenticators with events still waiting (after a restart, say). */
  async authenticatorsWithPending(): Promise<number[]> {
    const rows = await this.dataSource.query(`SELECT DISTINCT authenticator_id FROM ${this.table} WHERE processed_at IS NULL`);
    return rows.map((r: { authenticator_id: string }) => Number(r.authenticator_id));
  }

  /** Events waiting to be applied, per authenticator, with the age of the oldest. */
  async queueDepth(): Promise<{ authenticatorId: number; pending: number; oldestSeconds: number }[]> {
    const rows = await this.dataSource.query(
      `SELECT authenticator_id, count(*)::int AS pending, EXTRACT(EPOCH FROM now() - min(received_at))::float AS oldest
         FROM ${this.table} WHERE processed_at IS NULL GROUP BY authenticator_id`,
    );
    return rows.map((r: { authenticator_id: string; pending: number; oldest: number }) => ({
      authenticatorId: Number(r.authenticator_id),
      pending: r.pending,
      oldestSeconds: r.oldest,
    }));
  }

  /**
   * Forgets events processed more than `days` ago. Safe against replays: a callback is only accepted
   * within minutes of its signed timestamp, far less than this.
   */
  async prune(days: number): Promise<number> {
    const [, deleted] = await this.dataSource.query(`DELETE FROM ${this.table} WHERE processed_at < now() - make_interval(days => $1)`, [days]);
    return deleted;
  }
}
