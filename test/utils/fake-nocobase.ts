import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import type { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { TEST_JWT_SECRET } from './test-config';
import type { TestDatabase } from './test-database';

/**
 * NocoBase's `auth:signOut` as a running NocoBase does it: the bearer token must verify with its
 * secret, and its jti is then blacklisted (nocobase.md ★: that is what ends the session at once).
 */
export async function fakeNocobase(db: TestDatabase, nb: NocobaseSchema, answer = 200) {
  const seen: Array<{ jti: string; userId: number; exp: number; iat: number; authenticator: string | undefined }> = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      if (req.method !== 'POST' || req.url !== '/api/auth:signOut') return res.writeHead(404).end();
      if (answer !== 200) return res.writeHead(answer).end();
      try {
        const p = jwt.verify((req.headers.authorization ?? '').replace('Bearer ', ''), TEST_JWT_SECRET) as jwt.JwtPayload;
        const b = nb.columns('tokenBlacklist');
        const blocked = await db.query(`SELECT 1 FROM ${nb.table('tokenBlacklist')} WHERE ${b.token} = $1`, [p.jti]);
        if (blocked.length) return res.writeHead(401).end('{"errors":[{"message":"blocked","code":"BLOCKED_TOKEN"}]}');
        seen.push({ jti: p.jti!, userId: p.userId, exp: p.exp!, iat: p.iat!, authenticator: req.headers['x-authenticator'] as string | undefined });
        await db.query(
          `INSERT INTO ${nb.table('tokenBlacklist')} (${b.token}, ${b.expiration}, ${b.createdAt}, ${b.updatedAt}) VALUES ($1, now() + interval '1 day', now(), now())`,
          [p.jti],
        );
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"data":null}');
      } catch {
        res.writeHead(401).end('{"errors":[{"message":"invalid token","code":"INVALID_TOKEN"}]}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}
