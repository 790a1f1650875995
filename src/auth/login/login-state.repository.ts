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

@Injectable()
export class LoginStateRepository {
  private readonly table: string;

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
    // Housekeeping rides along with writes: states are useless a day after they expire.
    await this.dataSource.query(`DELETE FROM ${this.table} WHERE expires_at < now() - interval '1 day'`);
  }

  /** Marks the state used and returns it, atomically: of two concurrent callbacks only one wins. */
  async consume(id: string): Promise<(ConsumedState & { expired: boolean }) | null> {
    const [rows] = await this.dataSource.query(
      `UPDATE ${this.table} SET used_at = now() WHERE id = $1 AND used_at IS NULL
       RETURNING authenticator_id, nonce_hash, redirect, expires_at, expires_at < now() AS expired`,
      [id],
    );
    const row = rows[0];
    return row
      ? { authenticatorId: Number(row.authenticator_id), nonceHash: row.nonce_hash, redirect: row.redirect, expiresAt: row.expires_at, expired: row.expired }
      : null;
  }
}
