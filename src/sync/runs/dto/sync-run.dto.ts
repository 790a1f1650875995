import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RunStatus } from '../sync-runs.repository';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { IsSingleLine } from '../../../common/http/input';
import { PageQueryDto } from '../../../common/http/page-query.dto';
import { DEPARTMENT_ACTIONS, MEMBER_ACTIONS } from '../../plan/sync-planner';

const ITEM_ACTIONS = [...new Set([...DEPARTMENT_ACTIONS, ...MEMBER_ACTIONS])];

export class CreateSyncRunDto {
  @ApiProperty({ example: 'wecom', description: 'Authenticator name' })
  @IsSingleLine(63)
  authenticator!: string;

  @ApiPropertyOptional({ default: false, description: 'Plan only: counts and per-item changes, no writes' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Apply even when more members than the threshold would be offboarded' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class ListSyncRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsSingleLine(63)
  authenticator?: string;

  @ApiPropertyOptional({ enum: ['queued', 'running', 'succeeded', 'partial', 'failed', 'aborted'] })
  @IsOptional()
  @IsIn(['queued', 'running', 'succeeded', 'partial', 'failed', 'aborted'])
  status?: RunStatus;

  @ApiPropertyOptional({ enum: ['schedule', 'admin', 'cli', 'event'] })
  @IsOptional()
  @IsIn(['schedule', 'admin', 'cli', 'event'])
  trigger?: 'schedule' | 'admin' | 'cli' | 'event';
}

export class ListSyncRunItemsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ITEM_ACTIONS })
  @IsOptional()
  @IsIn(ITEM_ACTIONS)
  action?: string;

  @ApiPropertyOptional({ enum: ['planned', 'applied', 'failed'] })
  @IsOptional()
  @IsIn(['planned', 'applied', 'failed'])
  outcome?: string;
}
