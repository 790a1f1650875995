import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ApiExceptionFilter } from './common/filters/api-exception.filter';
import { EnvelopeInterceptor } from './common/http/envelope.interceptor';
import { pinoOptions } from './common/logging/pino-options';
import { ErrorStatuses } from './common/http/error-statuses';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ERROR_STATUS } from './error-statuses';
import { AuthModule } from './auth/auth.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { NocobaseModule } from './nocobase/nocobase.module';
import { SyncModule } from './sync/sync.module';
import { WecomModule } from './wecom/wecom.module';

@Module({})
export class AppModule {
  /** The config is validated before Nest starts, then handed in here (tests pass their own). */
  static forRoot(config: AppConfig, options: { schedule?: boolean } = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(pinoOptions(config)),
        MetricsModule,
        DatabaseModule,
        NocobaseModule,
        WecomModule,
        HealthModule,
        AuthModule,
        SyncModule.forRoot({ schedule: options.schedule ?? true }),
      ],
      providers: [
        { provide: ErrorStatuses, useValue: new ErrorStatuses(ERROR_STATUS) },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
      ],
      exports: [ErrorStatuses],
    };
  }
}
