import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export class ListBindingsQueryDto {
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

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page = 1;

  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize = 50;
}
