import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminGuard, type AdminPrincipal } from '../admin.guard';
import { AuthenticatorsService } from '../authenticators/authenticators.service';
import { AppConfig } from '../../config/app-config';
import { Page } from '../../common/http/envelope.interceptor';
import { ParseIdPipe } from '../../common/http/input';
import { BindingsRepository, type Binding } from '../../users/bindings.repository';
import { AdminBindingsService, type AdminActor } from './admin-bindings.service';
import { CreateBindingDto } from './dto/create-binding.dto';
import { ListBindingsQueryDto } from './dto/list-bindings.dto';
import { normalizePhone } from '../../users/phone';
import { nocobaseUsersWithPhone } from '../../users/phone-owners';
import { NocobaseUsersRepository, type NocobaseUser } from '../../nocobase/nocobase-users.repository';

/** NocoBase users a name search may match before the bindings are filtered by them. */
const SEARCH_USER_LIMIT = 500;

@ApiTags('admin: bindings')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/bindings')
export class AdminBindingsController {
  constructor(
    private readonly bindings: BindingsRepository,
    private readonly admin: AdminBindingsService,
    private readonly authenticators: AuthenticatorsService,
    private readonly config: AppConfig,
    private readonly users: NocobaseUsersRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'WeCom userid ↔ phone ↔ NocoBase user bindings, filtered and paged' })
  async list(@Query() q: ListBindingsQueryDto) {
    const names = new Map((await this.authenticators.list()).map((a) => [a.id, a.name]));
    const authenticatorId = q.authenticator === undefined ? undefined : (await this.authenticators.get(q.authenticator)).id;
    const phone = q.phone === undefined ? undefined : this.phoneKey(q.phone);
    const anyOf = q.q?.trim() ? await this.searchTerms(q.q.trim()) : undefined;
    const { rows, count } = await this.bindings.list({ authenticatorId, nocobaseUserId: q.userId, wecomUserid: q.userid, phone, anyOf }, q.page, q.pageSize);
    const users = await this.users.findByIds([...new Set(rows.map((b) => b.nocobaseUserId))]);
    return Page.of(
      rows.map((b) => ({ ...toBindingView(b, names.get(b.authenticatorId) ?? null), user: userView(users.get(b.nocobaseUserId)) })),
      count,
      q.page,
      q.pageSize,
    );
  }

  /** A phone as bindings store it (E.164), or the text as typed when it is no phone. */
  private phoneKey(text: string): string {
    return normalizePhone(text, this.config.auth.phoneDefaultRegion) ?? text;
  }

  /** What one search box matches: a userid fragment, a phone in any spelling, NocoBase users by name or email, a user id. */
  private async searchTerms(text: string) {
    const region = this.config.auth.phoneDefaultRegion;
    const nocobaseUserIds = await this.users.searchIds(text, SEARCH_USER_LIMIT);
    if (/^\d{1,15}$/.test(text)) nocobaseUserIds.push(Number(text));
    const phone = normalizePhone(text, region);
    // The member's binding may not hold the phone (bound by an administrator, or by a QR login): their NocoBase user does.
    if (phone) nocobaseUserIds.push(...(await nocobaseUsersWithPhone(this.users, phone, region)).map((u) => u.id));
    return { wecomUseridContains: text, phone, nocobaseUserIds };
  }

  @Post()
  @ApiOperation({
    summary: 'Bind a WeCom member to a NocoBase user by hand (audited)',
    description:
      'The only way a user with a protected role (root, admin, WECOM_PROTECTED_ROLES) is bound: those are never bound by phone. ' +
      'Posting the binding that already exists confirms it (source becomes admin, 200); a member or user bound elsewhere is a 409.',
  })
  @ApiCreatedResponse({ description: 'The new binding' })
  @ApiOkResponse({ description: 'The existing binding, now confirmed by an administrator' })
  @ApiConflictResponse({ description: 'BINDING_EXISTS: the member or the user is bound to someone else' })
  @ApiNotFoundResponse({ description: 'AUTHENTICATOR_NOT_FOUND or USER_NOT_FOUND' })
  async create(@Body() dto: CreateBindingDto, @Req() req: Request & { admin: AdminPrincipal }, @Res({ passthrough: true }) res: Response) {
    const { binding, created } = await this.admin.bind(dto.authenticator, dto.wecomUserid, dto.userId, actorOf(req));
    res.status(created ? 201 : 200);
    return toBindingView(binding, dto.authenticator);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a binding (audited); the member binds again at the next in-client login' })
  async remove(@Param('id', ParseIdPipe) id: number, @Req() req: Request & { admin: AdminPrincipal }): Promise<void> {
    await this.admin.remove(id, actorOf(req));
  }
}

function actorOf(req: Request & { admin: AdminPrincipal }): AdminActor {
  return { admin: req.admin, ip: req.ip ?? null };
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

/** Who the binding points at, as NocoBase shows them; null when the user no longer exists. */
function userView(user: NocobaseUser | undefined) {
  return user ? { id: user.id, nickname: user.nickname, username: user.username, email: user.email } : null;
}
