import { CanActivate, Controller, ExecutionContext, Get, Header, Injectable, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminGuard, bearerToken, sameSecret } from '../auth/admin.guard';
import { RawResponse } from '../common/http/envelope.interceptor';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';

/** /metrics reads with BRIDGE_METRICS_TOKEN (a token that can do nothing else), or as an admin. */
@Injectable()
export class MetricsGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly admin: AdminGuard,
  ) {}

  canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    const token = bearerToken(context.switchToHttp().getRequest<Request>());
    if (token && this.config.app.metricsToken && sameSecret(token, this.config.app.metricsToken)) return true;
    return this.admin.canActivate(context);
  }
}

@ApiTags('operations')
@Controller('metrics')
@RawResponse()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @UseGuards(MetricsGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format); Bearer BRIDGE_METRICS_TOKEN, the admin key, or a NocoBase admin token' })
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    res.type(this.metrics.contentType).send(await this.metrics.scrape());
  }
}
