import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { RawResponse } from '../common/http/envelope.interceptor';
import { NocobaseSchema } from '../nocobase/schema/nocobase-schema';

@ApiTags('health')
@Controller('health')
@RawResponse()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly nocobase: NocobaseSchema,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** The database answers and NocoBase's schema was resolved: the bridge can do its work. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 3000 }),
      () => this.indicators.check('nocobase').up(this.nocobase.describe()),
    ]);
  }
}
