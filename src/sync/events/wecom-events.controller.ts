import { Body, Controller, Get, HttpCode, Ip, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ContactEventsService, type CallbackQuery } from '../events/contact-events.service';

/**
 * WeCom's contact-change callback URL (`/api/wecom/<name>/events`). WeCom reads the answers as
 * plain text, so these bypass NocoBase's JSON envelope; failures still answer with it.
 */
@ApiTags('wecom')
@Controller('api/wecom')
export class WecomEventsController {
  constructor(private readonly events: ContactEventsService) {}

  @Get(':name/events')
  @ApiOperation({ summary: "WeCom's URL check when the callback is saved: answers the decrypted echostr" })
  @ApiOkResponse({ description: 'The decrypted echostr, as text/plain' })
  @ApiForbiddenResponse({ description: 'CALLBACK_SIGNATURE_INVALID, or CALLBACK_EXPIRED (timestamp more than 300 s away)' })
  @ApiNotFoundResponse({ description: 'AUTHENTICATOR_NOT_FOUND or CALLBACK_NOT_CONFIGURED' })
  async verify(@Param('name') name: string, @Query() q: CallbackQuery, @Ip() ip: string, @Res() res: Response): Promise<void> {
    // Answered only once verified: a refusal must not go out under the text/plain type set for WeCom.
    const echo = await this.events.verifyUrl(name, q, ip);
    res.type('text/plain').send(echo);
  }

  @Post(':name/events')
  @HttpCode(200)
  @ApiOperation({ summary: 'A contact-change event: verified, checked, stored, answered "success" at once, applied within seconds' })
  @ApiOkResponse({ description: '"success", as text/plain (also for an event already received)' })
  @ApiBadRequestResponse({
    description: 'CALLBACK_MALFORMED: no <Encrypt>, or a signed event that is not one plain change_contact event (recorded as a failed event)',
  })
  @ApiForbiddenResponse({ description: 'CALLBACK_SIGNATURE_INVALID, or CALLBACK_EXPIRED (timestamp more than 300 s away)' })
  @ApiNotFoundResponse({ description: 'AUTHENTICATOR_NOT_FOUND or CALLBACK_NOT_CONFIGURED' })
  async receive(@Param('name') name: string, @Query() q: CallbackQuery, @Body() body: unknown, @Ip() ip: string, @Res() res: Response): Promise<void> {
    await this.events.receive(name, q, typeof body === 'string' ? body : '', ip);
    res.type('text/plain').send('success');
  }
}
