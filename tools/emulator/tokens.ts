import { randomBytes } from 'node:crypto';
import { emuError } from './emu-error';
import type { EmuApp, EmuPolicy } from './model';

export interface IssuedToken {
  token: string;
  /** Which secret it came from: an app's, or the contact-sync assistant's. */
  kind: 'app' | 'contact';
  agentId: number | null;
  expiresAt: number;
}

/**
 * gettoken as WeCom does it: one token per secret, the same one until it expires, separate
 * per secret; repeated wrong secrets ban the caller's IP from gettoken for an hour.
 */
export class TokenIssuer {
  private readonly byToken = new Map<string, IssuedToken>();
  private readonly current = new Map<string, IssuedToken>();
  private readonly wrongSecrets = new Map<string, { count: number; bannedUntil: number }>();
  issuedCount = 0;

  constructor(
    private readonly corpId: string,
    private readonly apps: () => EmuApp[],
    private readonly contactSecret: string | null,
    private readonly policy: EmuPolicy,
  ) {}

  issue(corpid: string | null, secret: string | null, ip: string): IssuedToken {
    if (!corpid) throw emuError(41002);
    if (!secret) throw emuError(41004);
    if (corpid !== this.corpId) throw emuError(40013);
    const ban = this.wrongSecrets.get(ip);
    if (ban && ban.bannedUntil > Date.now()) throw emuError(45009, 'too many invalid secrets from this ip, blocked for an hour');
    const app = this.apps().find((a) => a.secret === secret);
    const kind = app ? 'app' : secret === this.contactSecret ? 'contact' : null;
    if (!kind) {
      const entry = this.wrongSecrets.get(ip) ?? { count: 0, bannedUntil: 0 };
      entry.count += 1;
      if (entry.count >= this.policy.wrongSecretsBeforeBan) entry.bannedUntil = Date.now() + 3_600_000;
      this.wrongSecrets.set(ip, entry);
      throw emuError(40001);
    }
    const existing = this.current.get(secret);
    if (existing && existing.expiresAt > Date.now()) return existing;
    const issued: IssuedToken = {
      token: randomBytes(96).toString('base64url'),
      kind,
      agentId: app?.agentId ?? null,
      expiresAt: Date.now() + this.policy.tokenTtlSeconds * 1000,
    };
    this.current.set(secret, issued);
    this.byToken.set(issued.token, issued);
    this.issuedCount += 1;
    return issued;
  }

  /** The token's grant, or WeCom's error for a missing, unknown or expired token. */
  resolve(token: string | null): IssuedToken {
    if (!token) throw emuError(41001);
    const issued = this.byToken.get(token);
    if (!issued) throw emuError(40014);
    if (issued.expiresAt <= Date.now()) throw emuError(42001);
    return issued;
  }

  /** WeCom may end tokens early; clients must refetch on 40014/42001. */
  invalidateAll(): number {
    const n = this.current.size;
    for (const t of this.current.values()) this.byToken.delete(t.token);
    this.current.clear();
    return n;
  }

  clearBans(): void {
    this.wrongSecrets.clear();
  }
}
