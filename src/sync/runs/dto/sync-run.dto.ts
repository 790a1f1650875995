import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RunStatus } from '../sync-runs.repository';
import { IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto';

export class CreateSyncRunDto {
  @ApiProperty({ example: 'wecom', description: 'Authenticator name' })
  @IsString()
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
  @IsString()
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
  @ApiPropertyOptional({ description: 'create, update, suspend, delete, restore, mirror, forget, move, skip…' })
  @IsOptional()
  @IsString()
  action?: string;

  @ApiPropertyOptional({ enum: ['planned', 'applied', 'failed'] })
  @IsOptional()
  @IsIn(['planned', 'applied', 'failed'])
  outcome?: string;
}
