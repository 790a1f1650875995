import type { AccessTokenStore, CachedToken } from '../../src/wecom/access-token.store';

/** Process-local store, for specs that drive a WeCom client without a database. */
export class MemoryAccessTokenStore implements AccessTokenStore {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly locks = new Map<string, Promise<unknown>>();

  async read(key: string): Promise<CachedToken | null> {
    return this.tokens.get(key) ?? null;
  }

  async refresh(key: string, _corpId: string, usable: (t: CachedToken) => boolean, fetch: () => Promise<CachedToken>): Promise<CachedToken> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        const stored = this.tokens.get(key);
        if (stored && usable(stored)) return stored;
        const fresh = await fetch();
        this.tokens.set(key, fresh);
        return fresh;
      });
    this.locks.set(key, run);
    return run;
  }

  async invalidate(key: string, token: string): Promise<void> {
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }
}
