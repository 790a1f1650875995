import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { IsSingleLine } from '../../../common/http/input';
import { PageQueryDto } from '../../../common/http/page-query.dto';

export class ListLoginAuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Authenticator name' })
  @IsOptional()
  @IsSingleLine(63)
  authenticator?: string;

  @ApiPropertyOptional({ description: 'WeCom userid' })
  @IsOptional()
  @IsSingleLine(64)
  userid?: string;

  @ApiPropertyOptional({ enum: ['succeeded', 'refused', 'failed'] })
  @IsOptional()
  @IsIn(['succeeded', 'refused', 'failed'])
  outcome?: 'succeeded' | 'refused' | 'failed';

  @ApiPropertyOptional({ description: 'Decision or error code, e.g. FIRST_BINDING, PHONE_CONFLICT, WECOM_IP_NOT_TRUSTED' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]{0,63}$/, { message: 'code must be an upper-case code such as PHONE_CONFLICT' })
  code?: string;
}
