import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DbAccessTokenStore } from './access-token.store';
import { DEFAULT_CLIENT_OPTIONS, WecomClientFactory } from './wecom-client.factory';
import { WecomMetrics } from './wecom-metrics';

/** The only door to WeCom. */
@Global()
@Module({
  providers: [
    DbAccessTokenStore,
    WecomMetrics,
    {
      provide: WecomClientFactory,
      inject: [AppConfig, DbAccessTokenStore, WecomMetrics],
      useFactory: (config: AppConfig, tokens: DbAccessTokenStore, metrics: WecomMetrics) =>
        new WecomClientFactory(
          {
            ...DEFAULT_CLIENT_OPTIONS,
            apiBaseUrl: config.wecom.apiBaseUrl,
            timeoutMs: config.wecom.timeoutMs,
            maxRetries: config.wecom.maxRetries,
            rateLimit: config.wecom.rateLimitPerMinute,
          },
          tokens,
          metrics,
        ),
    },
  ],
  exports: [WecomClientFactory, WecomMetrics],
})
export class WecomModule {}
