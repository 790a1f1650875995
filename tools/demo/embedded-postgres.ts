import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A postgres:// URL the pg driver connects to unchanged (the first group's). */
  url: string;
  /** One URL per group of connections (see `groups`). */
  urls: Record<string, string>;
  /** True when this start created the database (a fresh data directory). */
  bootstrapped: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Where the database lives between runs; omitted = in memory. */
  dataDir?: string;
  host?: string;
  /** SQL loaded into a fresh database (the NocoBase dump the stand-in uses); omitted = an empty database. */
  nocobaseSql?: string;
  /**
   * One listening port per application sharing the database (default: one, `main`). A transaction of one group never
   * interleaves with another group's statements; see SessionScheduler.
   */
  groups?: string[];
  /** Groups whose application may wait on a second connection inside its own transaction (NocoBase). */
  selfWaiting?: string[];
}

/**
 * PGlite served over PostgreSQL's wire protocol on loopback, for the demo only: one database, one backend session
 * (PGlite is single-session), with a port per application on it. The scheduler decides whose protocol message runs
 * next. Advisory locks exclude nothing (one session), so one bridge process may use it, never several replicas.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const fresh = !options.dataDir || !existsSync(join(options.dataDir, 'PG_VERSION'));
  const db = await PGlite.create({
    dataDir: options.dataDir,
    // PostgreSQL's default 128 MB of shared buffers live in the WASM heap and ended up resident: 16 MB took a
    // demo's database from 353 to 211 MB RSS with no difference a person notices.
    startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
  });
  if (fresh && options.nocobaseSql) await db.exec(options.nocobaseSql);
  const host = options.host ?? '127.0.0.1';
  const scheduler = new SessionScheduler(db, new Set(options.selfWaiting ?? []));
  const servers: PGLiteSocketServer[] = [];
  const urls: Record<string, string> = {};
  for (const group of options.groups ?? ['main']) {
    const server = new PGLiteSocketServer({ db, host, port: 0, maxConnections: 32 });
    // pglite-socket 0.2.17 makes each server's queue in its constructor and hands it to every connection it accepts.
    (server as unknown as { queryQueue: GroupQueue }).queryQueue = scheduler.queueFor(group);
    await server.start();
    servers.push(server);
    urls[group] = `postgres://postgres@${host}:${/:(\d+)$/.exec(server.getServerConn())![1]}/postgres`;
  }
  return {
    url: Object.values(urls)[0],
    urls,
    bootstrapped: fresh,
    async stop() {
      for (const server of servers) await server.stop();
      await db.close();
    },
  };
}

/** What pglite-socket's connection handler calls on its server's queue. */
interface GroupQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
  getQueueLength(): number;
}

interface Queued {
  handlerId: number;
  group: string;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

/** Extended-protocol messages (Parse, Bind, Describe, Execute, Close, Flush) that leave an exchange open until Sync. */
const EXTENDED = new Set([...'PBDECH'].map((c) => c.charCodeAt(0)));
const SYNC = 'S'.charCodeAt(0);
const QUERY = 'Q'.charCodeAt(0);
/** How long a transaction's connection must have been silent before another of a `selfWaiting` group may run. */
const SELF_WAIT_MS = 250;

/**
 * Runs the protocol messages of every connection, of every group, one at a time on PGlite's one session:
 * - an extended-protocol exchange (Parse … Sync) runs to its end before any other connection's message: its unnamed
 *   statement and portal are session state;
 * - while the session is inside a transaction block, only the connection that opened it runs (as pglite-socket's own
 *   queue does). So the bridge's and NocoBase's transactions never interleave: one waits for the other's COMMIT, and
 *   neither's ROLLBACK can undo the other's work.
 * - one exception, for a `selfWaiting` group only: when the connection inside the transaction has sent nothing for
 *   SELF_WAIT_MS, the next message of another connection of the same group runs. NocoBase's migrations read on a
 *   second pooled connection inside their own transaction (`sequelize.transaction(…)` around a `find` without it) and
 *   would otherwise wait for themselves for ever; that read then runs inside the transaction (it sees its rows). The
 *   delay keeps this to a stuck transaction: a connection between two statements of its own is back well within it.
 */
export class SessionScheduler {
  private readonly queue: Queued[] = [];
  private readonly groups = new Map<string, GroupQueue>();
  private running = false;
  private lastHandler: number | null = null;
  private exchangeOpen = false;
  private transaction: { handlerId: number; group: string } | null = null;
  /** When the connection inside the transaction last finished a message. */
  private ownerIdleSince = 0;
  private wake: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: PGlite,
    private readonly selfWaiting: ReadonlySet<string> = new Set(),
  ) {}

  queueFor(group: string): GroupQueue {
    const existing = this.groups.get(group);
    if (existing) return existing;
    const queue: GroupQueue = {
      enqueue: (handlerId, message, onData) =>
        new Promise<number>((resolve, reject) => {
          this.queue.push({ handlerId, group, message, onData, resolve, reject });
          void this.drain();
        }),
      clearQueueForHandler: (handlerId) => {
        for (let i = this.queue.length - 1; i >= 0; i--) {
          if (this.queue[i].handlerId !== handlerId) continue;
          this.queue[i].reject(new Error('Handler disconnected'));
          this.queue.splice(i, 1);
        }
      },
      clearTransactionIfNeeded: async (handlerId) => {
        const owns = this.transaction?.handlerId === handlerId || (this.exchangeOpen && this.lastHandler === handlerId);
        if (!owns) return;
        // A connection that went away inside its transaction or exchange: end it, as PostgreSQL would.
        await this.db.exec('ROLLBACK');
        this.transaction = null;
        this.exchangeOpen = false;
        this.lastHandler = null;
        void this.drain();
      },
      getQueueLength: () => this.queue.length,
    };
    this.groups.set(group, queue);
    return queue;
  }

  /** Which queued message may run now; -1 = none (wait for the connection whose turn it is). */
  private next(): number {
    if (this.exchangeOpen) return this.queue.findIndex((q) => q.handlerId === this.lastHandler);
    if (this.transaction) {
      const { handlerId, group } = this.transaction;
      const owner = this.queue.findIndex((q) => q.handlerId === handlerId);
      if (owner >= 0 || !this.selfWaiting.has(group)) return owner;
      const other = this.queue.findIndex((q) => q.group === group);
      if (other < 0) return -1;
      const wait = this.ownerIdleSince + SELF_WAIT_MS - Date.now();
      if (wait <= 0) return other;
      this.wake ??= setTimeout(() => {
        this.wake = null;
        void this.drain();
      }, wait);
      return -1;
    }
    return this.queue.length ? 0 : -1;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let i = this.next(); i >= 0; i = this.next()) {
        const [q] = this.queue.splice(i, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(q.message, {
              onRawData: (data) => {
                bytes += data.length;
                q.onData(data);
              },
            }),
          );
        } catch (error) {
          q.reject(error as Error);
          continue;
        }
        const type = q.message[0];
        if (EXTENDED.has(type)) this.exchangeOpen = true;
        else if (type === SYNC || type === QUERY) this.exchangeOpen = false;
        this.lastHandler = q.handlerId;
        if (!this.db.isInTransaction()) this.transaction = null;
        else if (!this.transaction) this.transaction = { handlerId: q.handlerId, group: q.group };
        if (this.transaction) this.ownerIdleSince = Date.now();
        q.resolve(bytes);
      }
    } finally {
      this.running = false;
    }
  }
}
