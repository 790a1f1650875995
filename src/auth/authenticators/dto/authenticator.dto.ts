import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, Validate } from 'class-validator';
import { CronExpressionConstraint } from '../../../common/http/cron.validator';
import { IsSingleLine, Omittable } from '../../../common/http/input';
import { IsLocalPath, IsOrigin, MAX_PATH_LENGTH } from '../../../common/http/local-path';
import { AUTHENTICATOR_NAME } from '../authenticator';

const stripSlash = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/\/+$/, '') : value);
/** WeCom's secrets are 43 URL-safe characters; anything printable up to 128 is accepted, nothing else. */
const SECRET = /^[\x21-\x7e]{8,128}$/;

export class CreateAuthenticatorDto {
  @ApiProperty({ example: 'wecom', description: 'URL-safe key: lowercase letters, digits, - and _' })
  @IsString()
  @Matches(AUTHENTICATOR_NAME, { message: 'name must be lowercase letters, digits, - or _ (at most 63)' })
  name!: string;

  @ApiProperty({ example: '企业微信', maxLength: 100 })
  @IsSingleLine(100)
  @MinLength(1)
  title!: string;

  @ApiPropertyOptional({ default: true })
  @Omittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ example: 'ww1234567890abcdef', description: 'Corp ID (企业ID)', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  @Matches(/^w[wx][0-9a-zA-Z]+$/, { message: 'corpId must be a WeCom corp ID (ww… or wx…)' })
  corpId!: string;

  @ApiProperty({ example: '1000002', description: 'AgentId of the self-built app' })
  @Transform(({ value }) => (typeof value === 'number' ? String(value) : value))
  @Matches(/^\d{1,10}$/, { message: 'agentId must be the numeric AgentId' })
  agentId!: string;

  @ApiProperty({ writeOnly: true, description: 'App Secret (8–128 printable ASCII characters); write-only (responses say secretSet)' })
  @IsString()
  @Matches(SECRET, { message: 'secret must be 8–128 printable ASCII characters without spaces' })
  secret!: string;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, description: 'Contact-sync (通讯录同步) Secret, for directory sync; null removes it' })
  @IsOptional()
  @IsString()
  @Matches(SECRET, { message: 'contactSecret must be 8–128 printable ASCII characters without spaces' })
  contactSecret?: string | null;

  @ApiProperty({ example: 'https://nocobase.example.com', description: "The NocoBase app's origin (scheme, host, port): where logins land", maxLength: 255 })
  @Transform(stripSlash)
  @IsString()
  @MaxLength(255)
  @IsOrigin()
  origin!: string;

  @ApiPropertyOptional({ nullable: true, description: "The bridge's origin when it is not served under origin; null = origin", maxLength: 255 })
  @IsOptional()
  @Transform(stripSlash)
  @IsString()
  @MaxLength(255)
  @IsOrigin()
  bridgeUrl?: string | null;

  @ApiPropertyOptional({ default: 'basic', description: 'NocoBase authenticator named in the hand-off (?authenticator=)', maxLength: 100 })
  @Omittable()
  @IsSingleLine(100)
  @MinLength(1)
  nocobaseAuthenticator?: string;

  @ApiPropertyOptional({ default: false, description: 'Create a NocoBase user when the phone matches nobody' })
  @Omittable()
  @IsBoolean()
  autoSignUp?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Log in automatically inside the WeCom client; at most one enabled authenticator' })
  @Omittable()
  @IsBoolean()
  autoLogin?: boolean;

  @ApiPropertyOptional({ default: '/admin', description: 'Where a login started from the workbench lands, e.g. /admin or /m', maxLength: MAX_PATH_LENGTH })
  @Omittable()
  @IsLocalPath()
  workbenchPath?: string;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, description: 'Callback Token for contact-change events' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{1,32}$/, { message: 'callbackToken must be 1–32 letters or digits' })
  callbackToken?: string | null;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, description: 'EncodingAESKey for contact-change events (43 characters)' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{43}$/, { message: 'callbackAesKey must be the 43-character EncodingAESKey' })
  callbackAesKey?: string | null;

  @ApiPropertyOptional({ nullable: true, example: '0 3 * * *', description: 'Cron schedule of the directory sync; null = none', maxLength: 100 })
  @IsOptional()
  @MaxLength(100)
  @Validate(CronExpressionConstraint)
  syncCron?: string | null;

  @ApiPropertyOptional({ default: false, description: 'Create NocoBase users for unbound members during sync' })
  @Omittable()
  @IsBoolean()
  provisionOnSync?: boolean;

  @ApiPropertyOptional({ enum: ['ignore', 'suspend', 'delete'], default: 'suspend' })
  @Omittable()
  @IsIn(['ignore', 'suspend', 'delete'])
  offboarding?: 'ignore' | 'suspend' | 'delete';

  @ApiPropertyOptional({ default: 5, description: 'A sync that would offboard more than this % of members aborts unless forced' })
  @Omittable()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  offboardingThresholdPercent?: number;
}

/** Every field optional; null only where it clears a nullable setting (secrets, bridgeUrl, syncCron, callback keys). */
export class UpdateAuthenticatorDto extends PartialType(OmitType(CreateAuthenticatorDto, ['name'] as const), { skipNullProperties: false }) {}
