import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../../auth/admin.guard';
import { AuthenticatorsService } from '../../auth/authenticators/authenticators.service';
import { AuthenticatorCheckService } from './authenticator-check.service';

@ApiTags('admin: authenticators')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/authenticators')
export class AdminAuthenticatorCheckController {
  constructor(
    private readonly authenticators: AuthenticatorsService,
    private readonly checks: AuthenticatorCheckService,
  ) {}

  @Get(':name/check')
  @ApiOperation({
    summary: 'Connection and setup: each secret against WeCom, the callback, the schedule, the WeCom console values, recent actionable WeCom errors',
    description:
      'Calls WeCom (gettoken and department/simplelist per configured secret); a refusal is reported in the body with its code and what to do, not as an error of this request.',
  })
  @ApiNotFoundResponse({ description: 'AUTHENTICATOR_NOT_FOUND' })
  async check(@Param('name') name: string) {
    return this.checks.check(await this.authenticators.get(name));
  }
}
