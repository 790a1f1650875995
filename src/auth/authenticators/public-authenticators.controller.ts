import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { toPublicView } from './authenticator.mapper';
import { AuthenticatorsService } from './authenticators.service';

/** Public facts about authenticators, for a sign-in page and the NocoBase plugin's settings check. */
@ApiTags('login')
@Controller('api/wecom/authenticators')
export class PublicAuthenticatorsController {
  constructor(private readonly authenticators: AuthenticatorsService) {}

  @Get()
  @ApiOperation({ summary: 'Enabled WeCom authenticators (public fields), for a sign-in page' })
  async list() {
    return (await this.authenticators.listEnabled()).map(toPublicView);
  }

  @Get(':name')
  @ApiOperation({ summary: "One authenticator's public fields, enabled or not (404 when there is none by that name)" })
  async get(@Param('name') name: string) {
    const found = await this.authenticators.get(name);
    return { ...toPublicView(found), enabled: found.enabled };
  }
}
