import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { RequestStrategy } from './custom.strategy';
import { LoginService, type CompletedLogin } from './login.service';

/** Thin by design: the callback's proof and the login policy live in LoginService. */
@Injectable()
export class WecomStrategy extends PassportStrategy(RequestStrategy, 'wecom') {
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
    });
  }
}
