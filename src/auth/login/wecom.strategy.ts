import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { LoginService, type CompletedLogin } from './login.service';

/**
 * The callback request is the credential (WeCom's code with our state and the browser's cookie),
 * so the strategy only hands it over. WeCom's flow is not OAuth2 by the book (identity comes from
 * getuserinfo with a per-corp token), which the generic OAuth2 strategy would fight.
 */
class WecomCallbackStrategy extends Strategy {
  /** `verify` is PassportStrategy's wrapper around validate(), node-callback style. */
  constructor(private readonly verify: (req: Request, done: (error: unknown, login?: CompletedLogin) => void) => void) {
    super();
  }

  override authenticate(req: Request): void {
    this.verify(req, (error, login) => (error ? this.error(error as Error) : this.success(login as Express.User)));
  }
}

/** Thin by design: proving the callback and the login policy live in LoginService. */
@Injectable()
export class WecomStrategy extends PassportStrategy(WecomCallbackStrategy, 'wecom') {
  constructor(private readonly login: LoginService) {
    super();
  }

  validate(req: Request): Promise<CompletedLogin> {
    return this.login.complete({
      name: req.params.name as string,
      code: typeof req.query.code === 'string' ? req.query.code : undefined,
      state: typeof req.query.state === 'string' ? req.query.state : undefined,
      cookies: (req.cookies ?? {}) as Record<string, string | undefined>,
      userAgent: req.headers['user-agent'],
      ip: req.ip,
      requestId: typeof req.id === 'string' ? req.id : undefined,
    });
  }
}
