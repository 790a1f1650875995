import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A postgres:// URL the pg driver (and so the bridge) connects to unchanged. */
  url: string;
  /** True when this start created the NocoBase schema (a fresh data directory). */
  bootstrapped: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Where the database lives between runs; omitted = in memory. */
  dataDir?: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** SQL of a NocoBase install (the fixtures the tests use), loaded into a fresh database. */
  nocobaseSql: string;
}

/**
 * PGlite served over PostgreSQL's wire protocol on loopback, for the demo only. Its connections
 * share one backend session (embedded-postgres.md): transactions are serialised and advisory
 * locks exclude nothing, so one bridge process may use it, never several replicas.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const fresh = !options.dataDir || !existsSync(join(options.dataDir, 'PG_VERSION'));
  const db = await PGlite.create(options.dataDir);
  if (fresh) await db.exec(options.nocobaseSql);
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({ db, host, port: options.port ?? 0, maxConnections: 32 });
  await server.start();
  const port = Number(/:(\d+)$/.exec(server.getServerConn())?.[1] ?? options.port);
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    bootstrapped: fresh,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
