import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsId, IsSingleLine } from '../../../common/http/input';
import { PageQueryDto } from '../../../common/http/page-query.dto';

export class ListBindingsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Authenticator name' })
  @IsOptional()
  @IsSingleLine(63)
  authenticator?: string;

  @ApiPropertyOptional({ description: 'NocoBase user id' })
  @IsOptional()
  @IsId()
  userId?: number;

  @ApiPropertyOptional({ description: 'WeCom userid', maxLength: 64 })
  @IsOptional()
  @IsSingleLine(64)
  userid?: string;

  @ApiPropertyOptional({
    description: 'Free text: part of a WeCom userid, a phone in any spelling, or part of a NocoBase nickname, username or email',
    maxLength: 100,
  })
  @IsOptional()
  @IsSingleLine(100)
  q?: string;

  @ApiPropertyOptional({ description: 'Phone, any spelling', maxLength: 32 })
  @IsOptional()
  @IsSingleLine(32)
  phone?: string;
}
