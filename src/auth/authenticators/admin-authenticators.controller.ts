import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../admin.guard';
import { toAdminView } from './authenticator.mapper';
import { AuthenticatorsService } from './authenticators.service';
import { CreateAuthenticatorDto, UpdateAuthenticatorDto } from './dto/authenticator.dto';

@ApiTags('admin: authenticators')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/authenticators')
export class AdminAuthenticatorsController {
  constructor(private readonly authenticators: AuthenticatorsService) {}

  @Get()
  @ApiOperation({ summary: 'All WeCom authenticators, with the values to paste into the WeCom admin console' })
  async list() {
    return (await this.authenticators.list()).map(toAdminView);
  }

  @Post()
  @ApiOperation({ summary: 'Create a WeCom authenticator (at most one enabled authenticator may have autoLogin)' })
  async create(@Body() dto: CreateAuthenticatorDto) {
    return toAdminView(await this.authenticators.create(dto));
  }

  @Get(':name')
  async get(@Param('name') name: string) {
    return toAdminView(await this.authenticators.get(name));
  }

  @Patch(':name')
  @ApiOperation({ summary: 'Change an authenticator; omitted fields keep their value, secrets are write-only' })
  async update(@Param('name') name: string, @Body() dto: UpdateAuthenticatorDto) {
    return toAdminView(await this.authenticators.update(name, dto));
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an authenticator and its bindings' })
  async remove(@Param('name') name: string): Promise<void> {
    await this.authenticators.remove(name);
  }
}
