import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../../auth/admin.guard';
import { AuthenticatorsService } from '../../auth/authenticators/authenticators.service';
import { Page } from '../../common/http/envelope.interceptor';
import { ParseIdPipe } from '../../common/http/input';
import { CreateSyncRunDto, ListSyncRunItemsQueryDto, ListSyncRunsQueryDto } from './dto/sync-run.dto';
import { SyncException } from '../sync.exception';
import { toRunView } from './run-view';
import { SyncRunsRepository } from './sync-runs.repository';
import { SyncService } from '../sync.service';

@ApiTags('admin: sync')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/admin/sync-runs')
export class AdminSyncRunsController {
  constructor(
    private readonly sync: SyncService,
    private readonly runs: SyncRunsRepository,
    private readonly authenticators: AuthenticatorsService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a directory sync; if one is already queued or running for the authenticator, that run is returned instead' })
  async create(@Body() dto: CreateSyncRunDto) {
    const authenticator = await this.authenticators.get(dto.authenticator);
    const { run, alreadyRunning } = await this.sync.trigger(authenticator, 'admin', { dryRun: dto.dryRun, force: dto.force });
    return { ...toRunView(run, authenticator.name), alreadyRunning };
  }

  @Get()
  @ApiOperation({ summary: 'Sync runs, newest first' })
  async list(@Query() q: ListSyncRunsQueryDto) {
    const all = await this.authenticators.list();
    const names = new Map(all.map((authenticator) => [authenticator.id, authenticator.name]));
    const authenticatorId = q.authenticator === undefined ? undefined : (await this.authenticators.get(q.authenticator)).id;
    const { rows, count } = await this.runs.list({ authenticatorId, status: q.status, trigger: q.trigger }, q.page, q.pageSize);
    return Page.of(
      rows.map((r) => toRunView(r, names.get(r.authenticatorId) ?? null)),
      count,
      q.page,
      q.pageSize,
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'One run with a page of its items (per-item changes, reasons and outcomes)' })
  async get(@Param('id', ParseIdPipe) id: number, @Query() q: ListSyncRunItemsQueryDto) {
    const run = await this.runs.findById(id);
    if (!run) throw new SyncException('SYNC_RUN_NOT_FOUND', `no sync run with id ${id}`);
    const name = (await this.authenticators.findById(run.authenticatorId))?.name ?? null;
    const items = await this.runs.listItems(id, { action: q.action, outcome: q.outcome }, q.page, q.pageSize);
    return {
      ...toRunView(run, name),
      items: items.rows,
      itemsMeta: { count: items.count, page: q.page, pageSize: q.pageSize, totalPage: Math.ceil(items.count / q.pageSize) },
    };
  }
}
