import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import ms from 'ms';
import { DataSource } from 'typeorm';
import { NocobaseSchema } from './schema/nocobase-schema';

/** NocoBase's token policy, in milliseconds (plugin-auth defaults when the row is absent). */
export interface TokenPolicy {
  tokenExpirationMs: number;
  sessionExpirationMs: number;
  expiredTokenRenewLimitMs: number;
}

export const DEFAULT_TOKEN_POLICY: TokenPolicy = { tokenExpirationMs: ms('1d'), sessionExpirationMs: ms('7d'), expiredTokenRenewLimitMs: ms('1d') };

export interface IssuedTokenRow {
  id: string;
  jti: string;
  userId: number;
  signInTime: number;
  issuedTime: number;
  authenticator: string;
}

/** SQL on NocoBase's session tables: issuedTokens, tokenBlacklist, tokenControlConfig. */
@Injectable()
export class NocobaseSessionsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly schema: NocobaseSchema,
  ) {}

  async tokenPolicy(): Promise<TokenPolicy> {
    if (!this.schema.features.tokenControlConfig) return DEFAULT_TOKEN_POLICY;
    const c = this.schema.columns('tokenControlConfig');
    const rows = await this.dataSource.query(
      `SELECT ${c.config} AS config FROM ${this.schema.table('tokenControlConfig')} WHERE ${c.key} = 'token-policy-config'`,
    );
    const raw = typeof rows[0]?.config === 'string' ? JSON.parse(rows[0].config) : (rows[0]?.config ?? {});
    const read = (value: unknown, fallback: number) => {
      const parsed = typeof value === 'string' ? ms(value as ms.StringValue) : typeof value === 'number' ? value : undefined;
      return typeof parsed === 'number' && Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
    };
    return {
      tokenExpirationMs: read(raw.tokenExpirationTime, DEFAULT_TOKEN_POLICY.tokenExpirationMs),
      sessionExpirationMs: read(raw.sessionExpirationTime, DEFAULT_TOKEN_POLICY.sessionExpirationMs),
      expiredTokenRenewLimitMs: read(raw.expiredTokenRenewLimit, DEFAULT_TOKEN_POLICY.expiredTokenRenewLimitMs),
    };
  }

  /** As TokenController.add: the row NocoBase checks (and renews) a session against. */
  async deleteIssuedToken(jti: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${this.schema.table('issuedTokens')} WHERE ${this.schema.column('issuedTokens', 'jti')}::text = $1`, [jti]);
  }

  async insertIssuedToken(row: IssuedTokenRow): Promise<void> {
    const c = this.schema.columns('issuedTokens');
    const cols = [c.id, c.jti, c.signInTime, c.issuedTime, c.userId, c.createdAt, c.updatedAt];
    const values: unknown[] = [row.id, row.jti, row.signInTime, row.issuedTime, row.userId];
    if (this.schema.features.tokenAuthenticatorColumn) {
      cols.push(c.authenticator);
      values.push(row.authenticator);
    }
    const params = values.map((_, i) => `$${i + 1}`);
    params.splice(5, 0, 'now()', 'now()');
    await this.dataSource.query(`INSERT INTO ${this.schema.table('issuedTokens')} (${cols.join(', ')}) VALUES (${params.join(', ')})`, values);
  }

  async issuedToken(jti: string): Promise<{ userId: number; signInTime: number } | null> {
    const c = this.schema.columns('issuedTokens');
    const rows = await this.dataSource.query(
      `SELECT ${c.userId} AS "userId", ${c.signInTime} AS "signInTime" FROM ${this.schema.table('issuedTokens')} WHERE ${c.jti} = $1`,
      [jti],
    );
    return rows.length ? { userId: Number(rows[0].userId), signInTime: Number(rows[0].signInTime) } : null;
  }

  /** The user's issued sessions NocoBase may still accept (within the session lifetime, not signed out). */
  async sessionsOf(userId: number, notSignedInBefore: number): Promise<Array<{ jti: string; signInTime: number; authenticator: string | null }>> {
    const c = this.schema.columns('issuedTokens');
    const authenticator = this.schema.features.tokenAuthenticatorColumn ? `it.${c.authenticator}` : 'NULL';
    // Signing out only blacklists the jti (the issuedTokens row stays), and NocoBase refuses a
    // blacklisted twin with 401 BLOCKED_TOKEN: those sessions are already over, so skip them.
    let notBlocked = '';
    if (this.schema.features.tokenBlacklist) {
      const b = this.schema.columns('tokenBlacklist');
      notBlocked = `AND NOT EXISTS (SELECT 1 FROM ${this.schema.table('tokenBlacklist')} tb WHERE tb.${b.token} = it.${c.jti}::text)`;
    }
    const rows = await this.dataSource.query(
      `SELECT it.${c.jti}::text AS jti, it.${c.signInTime} AS "signInTime", ${authenticator} AS authenticator
         FROM ${this.schema.table('issuedTokens')} it
        WHERE it.${c.userId} = $1 AND it.${c.signInTime} >= $2 ${notBlocked}`,
      [userId, notSignedInBefore],
    );
    return rows.map((r: { jti: string; signInTime: string; authenticator: string | null }) => ({
      jti: r.jti,
      signInTime: Number(r.signInTime),
      authenticator: r.authenticator ?? null,
    }));
  }

  async isBlacklisted(jti: string): Promise<boolean> {
    if (!this.schema.features.tokenBlacklist) return false;
    const c = this.schema.columns('tokenBlacklist');
    const rows = await this.dataSource.query(`SELECT 1 FROM ${this.schema.table('tokenBlacklist')} WHERE ${c.token} = $1 LIMIT 1`, [jti]);
    return rows.length > 0;
  }
}
