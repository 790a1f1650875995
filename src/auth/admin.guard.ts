import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { NocobaseSessionService } from '../nocobase/nocobase-session.service';
import { NOCOBASE_ADMIN_ROLES } from '../nocobase/privileged-roles';
import { AuthException } from './auth.exception';

/**
 * The admin API accepts BRIDGE_ADMIN_API_KEY, or a NocoBase session token of a user with the
 * root or admin role, checked as NocoBase checks it (signature, issuedTokens, blacklist, roles).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly sessions: NocobaseSessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { admin?: AdminPrincipal }>();
    request.admin = await this.authenticate(bearerToken(request));
    return true;
  }

  /** The administrator behind the request, or null (for routes that answer everyone, in less detail). */
  async identify(request: Request): Promise<AdminPrincipal | null> {
    try {
      return await this.authenticate(bearerToken(request));
    } catch (error) {
      if (error instanceof AuthException) return null;
      throw error;
    }
  }

  private async authenticate(token: string | null): Promise<AdminPrincipal> {
    if (!token) throw new AuthException('ADMIN_AUTH_REQUIRED', 'send Authorization: Bearer <BRIDGE_ADMIN_API_KEY or a NocoBase admin token>');
    if (this.config.app.adminApiKey && sameSecret(token, this.config.app.adminApiKey)) return { kind: 'api-key' };
    let verified: { userId: number; roles: string[] };
    try {
      verified = await this.sessions.verify(token);
    } catch (error) {
      throw new AuthException(
        'ADMIN_AUTH_REQUIRED',
        `the bearer token is neither the admin API key nor a valid NocoBase session: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (!verified.roles.some((r) => NOCOBASE_ADMIN_ROLES.includes(r))) {
      throw new AuthException('ADMIN_FORBIDDEN', 'this NocoBase user has neither the root nor the admin role');
    }
    return { kind: 'nocobase-user', userId: verified.userId };
  }
}

export type AdminPrincipal = { kind: 'api-key' } | { kind: 'nocobase-user'; userId: number };

export function bearerToken(request: Request): string | null {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match ? match[1].trim() : null;
}

/** Constant-time comparison of two strings of any length. */
export function sameSecret(given: string, expected: string): boolean {
  const givenHash = createHash('sha256').update(given).digest();
  const expectedHash = createHash('sha256').update(expected).digest();
  return timingSafeEqual(givenHash, expectedHash);
}
