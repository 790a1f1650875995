import { Strategy } from 'passport-strategy';
import type { Request } from 'express';

type Verify = (req: Request, done: (error: unknown, user?: unknown, info?: unknown) => void) => void;

/**
 * The smallest Passport strategy: hands the request to a verify callback. WeCom's flow is
 * not OAuth2-by-the-book (the token endpoint is per corp, identity comes from getuserinfo),
 * so the generic OAuth2 strategy would fight it.
 */
export class RequestStrategy extends Strategy {
  name = 'request';

  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(req: Request): void {
    this.verify(req, (error, user, info) => {
      if (error) return this.error(error as Error);
      if (!user) return this.fail(info as never, 401);
      this.success(user as Express.User, info as never);
    });
  }
}
