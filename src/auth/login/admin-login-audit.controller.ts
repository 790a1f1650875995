import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page } from '../../common/http/envelope.interceptor';
import { ParseIdPipe } from '../../common/http/input';
import { AdminGuard } from '../admin.guard';
import { AuthException } from '../auth.exception';
import { AuthenticatorsService } from '../authenticators/authenticators.service';
import { ListLoginAuditQueryDto } from './dto/list-login-audit.dto';
import { LoginAuditRepository, type LoginAuditRow } from './login-audit.repository';
import { LoginAuditService } from './login-audit.service';

/** Every login decision with its full detail: where an administrator looks up the reference a refused member quotes. */
@ApiTags('admin: login audit')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/login-audit')
export class AdminLoginAuditController {
  constructor(
    private readonly audit: LoginAuditRepository,
    private readonly writer: LoginAuditService,
    private readonly authenticators: AuthenticatorsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Login decisions, newest first, with the detail members are not shown' })
  async list(@Query() q: ListLoginAuditQueryDto) {
    const authenticatorId = q.authenticator === undefined ? undefined : (await this.authenticators.get(q.authenticator)).id;
    // This replica's queued successes first; another replica's reach the table within AUDIT_FLUSH_MS.
    await this.writer.flush();
    const names = await this.names();
    const { rows, count } = await this.audit.list({ authenticatorId, wecomUserid: q.userid, outcome: q.outcome, code: q.code }, q.page, q.pageSize);
    return Page.of(
      rows.map((r) => toAuditView(r, names)),
      count,
      q.page,
      q.pageSize,
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'One login decision: the reference a refused member was given' })
  @ApiNotFoundResponse({ description: 'LOGIN_AUDIT_NOT_FOUND' })
  async get(@Param('id', ParseIdPipe) id: number) {
    await this.writer.flush();
    const row = await this.audit.findById(id);
    if (!row) throw new AuthException('LOGIN_AUDIT_NOT_FOUND', `no login decision with reference ${id}`);
    return toAuditView(row, await this.names());
  }

  private async names(): Promise<Map<number, string>> {
    return new Map((await this.authenticators.list()).map((a) => [a.id, a.name]));
  }
}

function toAuditView(r: LoginAuditRow, names: Map<number, string>) {
  return {
    id: r.id,
    at: r.at,
    authenticator: r.authenticatorId === null ? null : (names.get(r.authenticatorId) ?? null),
    wecomUserid: r.wecomUserid,
    userId: r.nocobaseUserId,
    inClient: r.inClient,
    outcome: r.outcome,
    code: r.code,
    message: r.message,
    ip: r.ip,
    userAgent: r.userAgent,
  };
}
