import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, Validate } from 'class-validator';
import { CronExpressionConstraint } from '../../../common/http/cron.validator';

const stripSlash = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/\/+$/, '') : value);
const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class CreateAuthenticatorDto {
  @ApiProperty({ example: 'wecom', description: 'URL-safe key: lowercase letters, digits, - and _' })
  @Matches(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'name must be lowercase letters, digits, - or _ (at most 63)' })
  name!: string;

  @ApiProperty({ example: '企业微信' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  title!: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ example: 'ww1234567890abcdef', description: 'Corp ID (企业ID)' })
  @Matches(/^w[wx][0-9a-zA-Z]+$/, { message: 'corpId must be a WeCom corp ID (ww… or wx…)' })
  corpId!: string;

  @ApiProperty({ example: '1000002', description: 'AgentId of the self-built app' })
  @Transform(({ value }) => (typeof value === 'number' ? String(value) : value))
  @Matches(/^\d{1,10}$/, { message: 'agentId must be the numeric AgentId' })
  agentId!: string;

  @ApiProperty({ writeOnly: true, description: 'App Secret; write-only (responses say secretSet)' })
  @IsString()
  @MinLength(8)
  secret!: string;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, description: 'Contact-sync (通讯录同步) Secret, for directory sync' })
  @IsOptional()
  @IsString()
  @MinLength(8)
  contactSecret?: string | null;

  @ApiProperty({ example: 'https://nocobase.example.com', description: 'Public URL of the NocoBase app' })
  @Transform(stripSlash)
  @IsUrl(URL_OPTIONS, { message: 'origin must be an http(s) URL' })
  origin!: string;

  @ApiPropertyOptional({ nullable: true, description: 'Public URL of the bridge when it is not served under origin' })
  @IsOptional()
  @Transform(stripSlash)
  @IsUrl(URL_OPTIONS, { message: 'bridgeUrl must be an http(s) URL' })
  bridgeUrl?: string | null;

  @ApiPropertyOptional({ default: 'basic', description: 'NocoBase authenticator named in the hand-off (?authenticator=)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  nocobaseAuthenticator?: string;

  @ApiPropertyOptional({ default: false, description: 'Create a NocoBase user when the phone matches nobody' })
  @IsOptional()
  @IsBoolean()
  autoSignUp?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Log in automatically inside the WeCom client; at most one enabled authenticator' })
  @IsOptional()
  @IsBoolean()
  autoLogin?: boolean;

  @ApiPropertyOptional({ default: '/admin', description: 'Where a login started from the workbench lands, e.g. /admin or /m' })
  @IsOptional()
  @Matches(/^\/(?!\/)[^\s\\]*$/, { message: 'workbenchPath must be a path such as /admin or /m' })
  workbenchPath?: string;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, description: 'Callback Token for contact-change events' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{1,32}$/, { message: 'callbackToken must be 1–32 letters or digits' })
  callbackToken?: string | null;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, description: 'EncodingAESKey for contact-change events (43 characters)' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{43}$/, { message: 'callbackAesKey must be the 43-character EncodingAESKey' })
  callbackAesKey?: string | null;

  @ApiPropertyOptional({ nullable: true, example: '0 3 * * *', description: 'Cron schedule of the directory sync; null = none' })
  @IsOptional()
  @Validate(CronExpressionConstraint)
  syncCron?: string | null;

  @ApiPropertyOptional({ default: false, description: 'Create NocoBase users for unbound members during sync' })
  @IsOptional()
  @IsBoolean()
  provisionOnSync?: boolean;

  @ApiPropertyOptional({ enum: ['ignore', 'suspend', 'delete'], default: 'suspend' })
  @IsOptional()
  @IsIn(['ignore', 'suspend', 'delete'])
  offboarding?: 'ignore' | 'suspend' | 'delete';

  @ApiPropertyOptional({ default: 5, description: 'A sync that would offboard more than this % of members aborts unless forced' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100)
  offboardingThresholdPercent?: number;
}

export class UpdateAuthenticatorDto extends PartialType(OmitType(CreateAuthenticatorDto, ['name'] as const)) {}
