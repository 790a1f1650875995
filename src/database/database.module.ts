import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AdvisoryLockService } from './advisory-lock.service';
import { DatabaseNotifications } from './database-notifications';
import { PoolMetrics } from './pool-metrics';
import { TransactionRunner } from './transaction-runner';
import { bridgeDataSourceOptions, runBridgeMigrations } from './data-source';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...bridgeDataSourceOptions({
          url: config.database.url,
          schema: config.database.bridgeSchema,
          poolSize: config.database.poolSize,
          // Never shorter than 10 s: a busy machine may pause between two statements of one transaction.
          idleInTransactionSeconds: Math.max(config.sync.leaseSeconds, 10),
        }),
        // Carried to the factory below, which runs them itself after creating our schema.
        migrationsRun: config.database.runMigrations,
        retryAttempts: 0,
      }),
      dataSourceFactory: async (options) => {
        const { migrationsRun, ...rest } = options!;
        const dataSource = await new DataSource({ ...rest, migrationsRun: false } as DataSourceOptions).initialize();
        if (migrationsRun) {
          const applied = await runBridgeMigrations(dataSource);
          if (applied.length) new Logger('Migrations').log(`applied ${applied.join(', ')}`);
        }
        return dataSource;
      },
    }),
  ],
  providers: [AdvisoryLockService, TransactionRunner, PoolMetrics, DatabaseNotifications],
  exports: [AdvisoryLockService, TransactionRunner, DatabaseNotifications],
})
export class DatabaseModule {}
