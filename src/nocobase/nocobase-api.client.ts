import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

const TIMEOUT_MS = 10_000;

/**
 * NocoBase's HTTP API: the one door for changes a running NocoBase must see at once (its caches
 * ignore SQL, nocobase.md §1). Every call says plainly whether NocoBase took it.
 */
@Injectable()
export class NocobaseApiClient {
  private readonly logger = new Logger(NocobaseApiClient.name);

  constructor(private readonly config: AppConfig) {}

  /** NOCOBASE_URL is set: the API can be reached at all. */
  get configured(): boolean {
    return this.config.nocobase.url !== null;
  }

  /**
   * `POST /api/auth:signOut` with a session token: NocoBase blacklists its jti in-process and drops
   * the user's cached row and roles. False when NocoBase refused or could not be reached (logged).
   */
  async signOut(token: string, authenticator: string, userId: number): Promise<boolean> {
    const base = this.config.nocobase.url;
    if (!base) return false;
    try {
      const res = await fetch(new URL('/api/auth:signOut', base), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'X-Authenticator': authenticator, 'Content-Type': 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer();
      if (!res.ok) this.logger.warn(`NocoBase answered ${res.status} to signing out a session of user ${userId}`);
      return res.ok;
    } catch (error) {
      this.logger.warn(`NocoBase could not be reached to sign out a session of user ${userId}: ${(error as Error).message}`);
      return false;
    }
  }
}
