import { Controller, Delete, Get, HttpCode, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../admin.guard';
import { AuthException } from '../auth.exception';
import { AuthenticatorsService } from '../authenticators/authenticators.service';
import { AppConfig } from '../../config/app-config';
import { Page } from '../../common/http/envelope.interceptor';
import { ParseIdPipe } from '../../common/http/input';
import { BindingsRepository, type Binding } from '../../users/bindings.repository';
import { ListBindingsQueryDto } from './dto/list-bindings.dto';
import { normalizePhone } from '../../users/phone';

@ApiTags('admin: bindings')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/bindings')
export class AdminBindingsController {
  constructor(
    private readonly bindings: BindingsRepository,
    private readonly authenticators: AuthenticatorsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'WeCom userid ↔ phone ↔ NocoBase user bindings, filtered and paged' })
  async list(@Query() q: ListBindingsQueryDto) {
    const names = new Map((await this.authenticators.list()).map((a) => [a.id, a.name]));
    const authenticatorId = q.authenticator === undefined ? undefined : (await this.authenticators.get(q.authenticator)).id;
    const phone = q.phone === undefined ? undefined : (normalizePhone(q.phone, this.config.auth.phoneDefaultRegion) ?? q.phone);
    const { rows, count } = await this.bindings.list({ authenticatorId, nocobaseUserId: q.userId, wecomUserid: q.userid, phone }, q.page, q.pageSize);
    return Page.of(
      rows.map((b) => toBindingView(b, names.get(b.authenticatorId) ?? null)),
      count,
      q.page,
      q.pageSize,
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a binding; the member binds again at the next in-client login' })
  async remove(@Param('id', ParseIdPipe) id: number): Promise<void> {
    if (!(await this.bindings.delete(id))) throw new AuthException('BINDING_NOT_FOUND', `no binding with id ${id}`);
  }
}

function toBindingView(b: Binding, authenticator: string | null) {
  return {
    id: b.id,
    authenticator,
    wecomUserid: b.wecomUserid,
    userId: b.nocobaseUserId,
    phone: b.phone,
    source: b.source,
    firstInClientAuthAt: b.firstInClientAuthAt,
    lastLoginAt: b.lastLoginAt,
    suspendedAt: b.suspendedAt,
    createdAt: b.createdAt,
  };
}
