import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module';
import { HealthController } from './health.controller';
import { MetricsController, MetricsGuard } from './metrics.controller';

/** What operators and probes read: liveness, readiness, Prometheus metrics. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), AuthModule],
  controllers: [HealthController, MetricsController],
  providers: [MetricsGuard],
})
export class HealthModule {}
