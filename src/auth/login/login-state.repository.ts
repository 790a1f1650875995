import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { qualified } from '../../database/sql';

export interface ConsumedState {
  authenticatorId: number;
  nonceHash: string;
  redirect: string;
  expiresAt: Date;
}

/** One-time login states: deleted when used, and pruned as soon as they expire. */
@Injectable()
export class LoginStateRepository {
  private readonly table: string;
  private prunedAt = 0;
  /** How often expired states are deleted at most (riding along with inserts, so a login flood does not double its writes). */
  pruneEveryMs = 10_000;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'login_states');
  }

  async insert(s: { id: string; authenticatorId: number; nonceHash: string; redirect: string; ttlSeconds: number }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} (id, authenticator_id, nonce_hash, redirect, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [s.id, s.authenticatorId, s.nonceHash, s.redirect, s.ttlSeconds],
    );
    if (Date.now() - this.prunedAt >= this.pruneEveryMs) {
      this.prunedAt = Date.now();
      await this.dataSource.query(`DELETE FROM ${this.table} WHERE expires_at < now()`);
    }
  }

  /** Takes the state (deleting it) and returns it, atomically: of two concurrent callbacks only one wins. */
  async consume(id: string): Promise<(ConsumedState & { expired: boolean }) | null> {
    const [rows] = await this.dataSource.query(
      `DELETE FROM ${this.table} WHERE id = $1 AND used_at IS NULL
       RETURNING authenticator_id, nonce_hash, redirect, expires_at, expires_at < now() AS expired`,
      [id],
    );
    const row = rows[0];
    return row
      ? { authenticatorId: Number(row.authenticator_id), nonceHash: row.nonce_hash, redirect: row.redirect, expiresAt: row.expires_at, expired: row.expired }
      : null;
  }
}
