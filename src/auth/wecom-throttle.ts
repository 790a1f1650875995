import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { isClientFailure } from '../common/http/client-failure';
import { SlidingWindowCounter } from '../common/http/sliding-window';
import { AppConfig } from '../config/app-config';
import { AuthException } from './auth.exception';

const MINUTE = 60_000;
/** WeCom posts contact events from its own addresses, thousands at once after a bulk import: not counted per address. */
const CONTACT_EVENTS = /^\/api\/wecom\/[^/]+\/events(?:\?|$)/;

/**
 * Limits on the public WeCom routes (`/api/wecom/*`), counted in this process's memory: per client
 * address, all requests and, far more strictly, failed ones (junk input, forged login states, bad
 * signatures), after which the address is refused until its minute has passed; and per
 * authenticator, logins started (each writes a login state and may cost a WeCom call). With
 * several replicas each keeps its own counters, so the limits multiply by the replica count; a
 * shared limit belongs in the reverse proxy (README, security model).
 */
@Injectable()
export class WecomThrottle implements NestMiddleware {
  private readonly logger = new Logger(WecomThrottle.name);
  private readonly requests = new SlidingWindowCounter(MINUTE);
  private readonly failures = new SlidingWindowCounter(MINUTE);
  private readonly logins = new SlidingWindowCounter(MINUTE);
  /** Addresses already reported this window, so a flood is one warning per address, not one per request. */
  private readonly reported = new SlidingWindowCounter(MINUTE);

  constructor(private readonly config: AppConfig) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const limits = this.config.app.throttle;
    const ip = req.ip ?? 'unknown';
    // Thrown, not passed to next(): Nest's exception filters answer it in the error envelope.
    if (this.failures.count(ip) >= limits.failuresPerIp) throw this.refuse(ip, this.failures, 'failed requests');
    if (!CONTACT_EVENTS.test(req.originalUrl)) {
      if (this.requests.count(ip) >= limits.perIp) throw this.refuse(ip, this.requests, 'requests');
      this.requests.add(ip);
    }
    res.on('finish', () => {
      if (isClientFailure(res)) this.failures.add(ip);
    });
    next();
  }

  /** Counts a login started for the authenticator, or refuses it when the authenticator's minute is full. */
  loginStarted(authenticatorId: number): void {
    const key = String(authenticatorId);
    if (this.logins.count(key) >= this.config.app.throttle.loginsPerAuthenticator) {
      throw new AuthException('TOO_MANY_LOGINS', 'too many logins are being started right now; try again in a minute', {
        retryAfterSeconds: this.logins.retryAfterSeconds(),
      });
    }
    this.logins.add(key);
  }

  private refuse(ip: string, counter: SlidingWindowCounter, what: string): AuthException {
    if (this.reported.count(ip) === 0) {
      this.reported.add(ip);
      this.logger.warn(`throttling ${ip}: too many ${what} to /api/wecom this minute`);
    }
    return new AuthException('TOO_MANY_REQUESTS', 'too many requests from this address; try again later', { retryAfterSeconds: counter.retryAfterSeconds() });
  }
}
