import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SecretBox } from '../common/crypto/secret-box';
import { AppConfig } from '../config/app-config';
import { AdvisoryLockService } from '../database/advisory-lock.service';
import { qualified } from '../database/sql';

export interface CachedToken {
  token: string;
  /** When to stop using it: shortly before WeCom's expiry. */
  refreshAt: Date;
}

/** Where access tokens are shared between client instances (and replicas). */
export interface AccessTokenStore {
  read(key: string): Promise<CachedToken | null>;
  /**
   * Under a lock on `key`: returns the stored token if `usable`, else fetches a new one and
   * stores it. Concurrent refreshers wait for the first and reuse its token.
   */
  refresh(key: string, corpId: string, usable: (t: CachedToken) => boolean, fetch: () => Promise<CachedToken>): Promise<CachedToken>;
  /** Forgets `token` under `key`, unless someone already replaced it. */
  invalidate(key: string, token: string): Promise<void>;
}

/**
 * Tokens in the bridge's database (encrypted), so every replica uses the same one and a fleet
 * calls gettoken once per token lifetime; a transaction-scoped advisory lock makes the refresh
 * single-flight across replicas.
 */
@Injectable()
export class DbAccessTokenStore implements AccessTokenStore {
  private readonly table: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly locks: AdvisoryLockService,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'wecom_access_tokens');
  }

  async read(key: string): Promise<CachedToken | null> {
    const rows = await this.dataSource.query(`SELECT token_sealed, expires_at FROM ${this.table} WHERE cache_key = $1`, [key]);
    return rows.length ? this.unseal(rows[0]) : null;
  }

  async refresh(key: string, corpId: string, usable: (t: CachedToken) => boolean, fetch: () => Promise<CachedToken>): Promise<CachedToken> {
    return this.dataSource.transaction(async (m) => {
      await this.locks.lockForTransaction(m, `wecom-bridge:token:${key}`);
      const rows = await m.query(`SELECT token_sealed, expires_at FROM ${this.table} WHERE cache_key = $1`, [key]);
      const stored = rows.length ? this.unseal(rows[0]) : null;
      if (stored && usable(stored)) return stored;
      const fresh = await fetch();
      await m.query(
        `INSERT INTO ${this.table} (cache_key, corp_id, token_sealed, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (cache_key) DO UPDATE SET token_sealed = EXCLUDED.token_sealed, expires_at = EXCLUDED.expires_at, updated_at = now()`,
        [key, corpId, this.box.encrypt(fresh.token), fresh.refreshAt],
      );
      return fresh;
    });
  }

  async invalidate(key: string, token: string): Promise<void> {
    const stored = await this.read(key);
    if (stored?.token === token) {
      await this.dataSource.query(`DELETE FROM ${this.table} WHERE cache_key = $1`, [key]);
    }
  }

  private unseal(row: { token_sealed: string; expires_at: Date }): CachedToken | null {
    try {
      return { token: this.box.decrypt(row.token_sealed), refreshAt: new Date(row.expires_at) };
    } catch {
      return null; // sealed under another BRIDGE_SECRET_KEY: fetch a new one
    }
  }
}
