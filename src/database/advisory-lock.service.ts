import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * Cluster-wide mutual exclusion through PostgreSQL advisory locks, keyed by strings. A session
 * lock lives on one dedicated connection, so a replica that dies releases it with its connection
 * and never blocks the next holder; a transaction lock ends with its transaction.
 */
@Injectable()
export class AdvisoryLockService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `fn` if nobody holds `key`; otherwise returns `{ acquired: false }` at once. */
  async tryWithLock<T>(key: string, fn: () => Promise<T>): Promise<{ acquired: true; result: T } | { acquired: false }> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
      if (!locked) return { acquired: false };
      try {
        return { acquired: true, result: await fn() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      }
    } finally {
      await runner.release();
    }
  }

  /** Waits for `key` inside the caller's transaction; released at its commit or rollback. */
  async lockForTransaction(manager: EntityManager, key: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
  }

  /** True when some session (any replica) currently holds `key`. */
  async isLocked(key: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
      [key],
    );
    return rows.length > 0;
  }
}
