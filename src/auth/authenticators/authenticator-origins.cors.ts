import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AuthenticatorsService } from './authenticators.service';

/** How long the set of allowed origins is reused before the authenticators are read again. */
const REFRESH_MS = 10_000;

/**
 * CORS for the NocoBase pages that call the bridge from the browser (the plugin's settings check,
 * the admin pages): only from an origin some authenticator names as its NocoBase, never `*`.
 */
@Injectable()
export class AuthenticatorOriginsCors implements NestMiddleware {
  private origins: { set: Set<string>; at: number } = { set: new Set(), at: 0 };

  constructor(private readonly authenticators: AuthenticatorsService) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin && (await this.allowed()).has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Request-Id');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE, OPTIONS');
      res.setHeader('Access-Control-Max-Age', '600');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    next();
  }

  private async allowed(): Promise<Set<string>> {
    if (Date.now() - this.origins.at > REFRESH_MS) {
      const set = new Set((await this.authenticators.list()).map((a) => new URL(a.origin).origin));
      this.origins = { set, at: Date.now() };
    }
    return this.origins.set;
  }
}
