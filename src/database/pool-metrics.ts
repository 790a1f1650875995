import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Metrics } from '../metrics/metrics';

/** The pg pool behind TypeORM (its public counters). */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** How full the database pool is: connections open, idle, and requests waiting for one. */
@Injectable()
export class PoolMetrics implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('db_pool_connections', 'Database pool connections by state (total, idle, waiting requests)', ['state'], (gauge) => {
      const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
      if (!pool) return;
      gauge.set({ state: 'total' }, pool.totalCount);
      gauge.set({ state: 'idle' }, pool.idleCount);
      gauge.set({ state: 'waiting' }, pool.waitingCount);
    });
  }
}
