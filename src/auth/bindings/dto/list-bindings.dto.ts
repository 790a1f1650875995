import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString } from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto';

export class ListBindingsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Authenticator name' })
  @IsOptional()
  @IsString()
  authenticator?: string;

  @ApiPropertyOptional({ description: 'NocoBase user id' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  userId?: number;

  @ApiPropertyOptional({ description: 'WeCom userid' })
  @IsOptional()
  @IsString()
  userid?: string;

  @ApiPropertyOptional({ description: 'Phone, any spelling' })
  @IsOptional()
  @IsString()
  phone?: string;
}
