import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { markClientFailure } from '../../common/http/client-failure';
import { ErrorStatuses } from '../../common/http/error-statuses';
import { loginFailurePage } from './failure-page';
import { LoginFailure } from './login-failure';
import { isWecomClient, loginFailureUrl } from './wecom-login-urls';

/**
 * A failed login never surfaces as a JSON error. In a browser it goes back to NocoBase's sign-in
 * page with the message; inside the WeCom client, where there is no sign-in page, it shows a page
 * that says what to do. Either way the message is the member's (LoginFailure), never WeCom's or
 * the audit's detail.
 */
@Catch(LoginFailure)
export class LoginFailureFilter implements ExceptionFilter {
  constructor(private readonly statuses: ErrorStatuses) {}

  catch(failure: LoginFailure, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const authenticator = failure.authenticator;
    if (failure.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(failure.retryAfterSeconds));
    if (failure.forged) markClientFailure(res);
    if (isWecomClient(req.headers['user-agent'])) {
      const retry = `/api/wecom/${authenticator.name}/login?redirect=${encodeURIComponent(failure.redirect ?? authenticator.workbenchPath)}`;
      res.status(this.statuses.statusOf(failure.code)).type('html').send(loginFailurePage(failure.message, retry));
    } else {
      res.redirect(302, loginFailureUrl(authenticator, failure.message, failure.redirect));
    }
  }
}
