import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { IsId, IsSingleLine } from '../../../common/http/input';
import { WECOM_USERID } from '../../../users/wecom-userid';

export class CreateBindingDto {
  @ApiProperty({ example: 'wecom', description: 'Authenticator name' })
  @IsSingleLine(63)
  authenticator!: string;

  @ApiProperty({ example: 'zhangsan', description: 'WeCom userid (1–64 letters, digits, _ - @ .)' })
  @Matches(WECOM_USERID, { message: 'wecomUserid must be a WeCom userid: 1–64 letters, digits, _, -, @ or ., starting with a letter or digit' })
  wecomUserid!: string;

  @ApiProperty({ example: 1, description: 'NocoBase user id' })
  @IsId()
  userId!: number;
}
