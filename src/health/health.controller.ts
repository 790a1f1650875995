import { Controller, Get, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import type { Request, Response } from 'express';
import { AdminGuard } from '../auth/admin.guard';
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
    private readonly admins: AdminGuard,
  ) {}

  /** The process is up and serving HTTP: what a liveness probe asks. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * The database answers and NocoBase's schema was resolved: the bridge can do its work. The
   * details (NocoBase's schema, naming and plugins, a database error's text) are for
   * administrators; a probe, or anyone else, learns only ok or error.
   */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 200 { status: ok } or 503 { status: error }; with the admin key or a root/admin NocoBase token, the details' })
  @ApiBearerAuth()
  @ApiOkResponse({ description: '{ status: "ok" }, or terminus details for an administrator' })
  @ApiServiceUnavailableResponse({ description: '{ status: "error" }, or terminus details for an administrator' })
  async ready(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const admin = await this.admins.identify(req);
    let result: HealthCheckResult;
    try {
      result = await this.health.check([
        () => this.database.pingCheck('database', { timeout: 3000 }),
        () => this.indicators.check('nocobase').up(this.nocobase.describe()),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      return admin ? error.getResponse() : { status: 'error' };
    }
    return admin ? result : { status: result.status };
  }
}
