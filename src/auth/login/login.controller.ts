import { applyDecorators, Controller, Get, Headers, Param, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiFoundResponse, ApiNotFoundResponse, ApiOperation, ApiQuery, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RawResponse } from '../../common/http/envelope.interceptor';
import { AuthenticatorsService } from '../authenticators/authenticators.service';
import { LoginFailureFilter } from './login-failure.filter';
import { LoginService, type CompletedLogin, type LoginStart } from './login.service';
import { WecomCallbackGuard } from './wecom-callback.guard';

/** What every route that starts a login may refuse. */
const RefusesLoginStart = () =>
  applyDecorators(
    ApiBadRequestResponse({ description: 'INVALID_REDIRECT: redirect is not one path on the origin (checked before and after normalising)' }),
    ApiTooManyRequestsResponse({ description: 'TOO_MANY_REQUESTS (this address) or TOO_MANY_LOGINS (this authenticator), with Retry-After' }),
  );

@ApiTags('login')
@Controller('api/wecom')
export class LoginController {
  constructor(
    private readonly authenticators: AuthenticatorsService,
    private readonly login: LoginService,
  ) {}

  @Get('auto-login')
  @RawResponse()
  @ApiOperation({ summary: 'Start the login of the auto-login authenticator (the workbench homepage link)' })
  @ApiQuery({ name: 'redirect', required: false, description: 'Path on the NocoBase origin; default: the workbench path' })
  @ApiFoundResponse({ description: 'To WeCom: in-client OAuth inside the WeCom client, the web login page elsewhere' })
  @ApiNotFoundResponse({ description: 'NO_AUTO_LOGIN_AUTHENTICATOR' })
  @RefusesLoginStart()
  async autoLogin(@Query('redirect') redirect: unknown, @Headers('user-agent') ua: string | undefined, @Res() res: Response) {
    const authenticator = await this.authenticators.getAutoLogin();
    this.redirectTo(res, await this.login.begin(authenticator, redirect, ua));
  }

  @Get(':name/login')
  @RawResponse()
  @ApiOperation({ summary: 'Start a WeCom login' })
  @ApiQuery({ name: 'redirect', required: false, description: 'Path on the NocoBase origin to land on, e.g. /admin' })
  @ApiFoundResponse({ description: 'To WeCom: in-client OAuth (snsapi_privateinfo) when the user agent is the WeCom client, else the web (QR) login' })
  @ApiNotFoundResponse({ description: 'AUTHENTICATOR_NOT_FOUND (also for a name no authenticator can have)' })
  @RefusesLoginStart()
  async start(@Param('name') name: string, @Query('redirect') redirect: unknown, @Headers('user-agent') ua: string | undefined, @Res() res: Response) {
    const authenticator = await this.authenticators.getEnabled(name);
    this.redirectTo(res, await this.login.begin(authenticator, redirect, ua));
  }

  @Get(':name/auth-url')
  @ApiOperation({ summary: "The WeCom login URL as data, for a button on NocoBase's sign-in page (sets the login cookie)" })
  @ApiQuery({ name: 'redirect', required: false })
  @ApiNotFoundResponse({ description: 'AUTHENTICATOR_NOT_FOUND' })
  @RefusesLoginStart()
  async authUrl(
    @Param('name') name: string,
    @Query('redirect') redirect: unknown,
    @Headers('user-agent') ua: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const authenticator = await this.authenticators.getEnabled(name);
    const start = await this.login.begin(authenticator, redirect, ua);
    this.setNonceCookie(res, start);
    return { url: start.url };
  }

  @Get(':name/callback')
  @RawResponse()
  @UseGuards(WecomCallbackGuard)
  @UseFilters(LoginFailureFilter)
  @ApiOperation({ summary: 'WeCom redirects here with ?code&state; success 302s into NocoBase with a session token' })
  @ApiFoundResponse({
    description:
      '<origin><redirect>?authenticator=…&token=…, or <origin>/signin?authenticator=…&error=…&redirect=… where error is a plain message ending in "(reference <login audit id>)"; inside the WeCom client a refusal is an HTML page with that message and the status of its code (403, 503 with Retry-After when WeCom is busy)',
  })
  @ApiTooManyRequestsResponse({
    description: 'TOO_MANY_REQUESTS: this address sent too many failed callbacks (forged or used states, junk codes), with Retry-After',
  })
  async callback(@Req() req: Request & { user: CompletedLogin }, @Res() res: Response) {
    res.clearCookie(req.user.nonceCookie, { path: '/api/wecom' });
    res.redirect(302, await this.login.handoffUrl(req.user));
  }

  private redirectTo(res: Response, start: LoginStart): void {
    this.setNonceCookie(res, start);
    res.redirect(302, start.url);
  }

  private setNonceCookie(res: Response, start: LoginStart): void {
    res.cookie(start.cookie.name, start.cookie.value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: start.cookie.secure,
      maxAge: start.cookie.maxAgeMs,
      path: '/api/wecom',
    });
  }
}
