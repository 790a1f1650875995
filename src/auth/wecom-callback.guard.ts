import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { httpStatusForCode } from '../common/http/error-status';
import { loginFailurePage } from './failure-page';
import { LoginFailure, LoginService } from './login.service';
import { isWecomClient } from './wecom-login-urls';

/**
 * Runs the WeCom strategy; a failed login never surfaces as a JSON error. In a browser it
 * goes back to NocoBase's sign-in page with the message; inside the WeCom client, where there
 * is no sign-in page, it shows a page that says what to do.
 */
@Injectable()
export class WecomCallbackGuard extends AuthGuard('wecom') {
  constructor(private readonly login: LoginService) {
    super({ session: false });
  }

  override handleRequest<T>(error: unknown, user: T, _info: unknown, context: ExecutionContext): T {
    if (!error && user) return user;
    if (!(error instanceof LoginFailure)) throw error ?? new HttpException('login failed', HttpStatus.UNAUTHORIZED);
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const a = error.authenticator;
    if (isWecomClient(req.headers['user-agent'])) {
      const retry = `/api/wecom/${a.name}/login?redirect=${encodeURIComponent(error.redirect ?? a.workbenchPath)}`;
      res.status(httpStatusForCode(error.code)).type('html').send(loginFailurePage(error.message, retry));
    } else {
      res.redirect(302, this.login.failureUrl(a, error.message, error.redirect));
    }
    // The response is written; the exception filter sees headersSent and leaves it alone.
    throw new HttpException('login failure already answered', HttpStatus.FOUND);
  }
}
