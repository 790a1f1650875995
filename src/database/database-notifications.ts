import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';
import { quoteIdent } from './sql';

/** What a subscriber hears: a channel's payload, or null when notifications may have been missed (anything may have changed). */
export type NotificationHandler = (payload: string | null) => void;

const RECONNECT_MS = [250, 1000, 5000];

/**
 * One dedicated connection that LISTENs for what other replicas (or anyone with SQL) commit, so that
 * in-memory caches can drop what changed. A notification sent while nobody listened is lost, so while
 * this connection is down `live` is false (caches must read through), and every (re)connection tells
 * each subscriber `null` once its LISTENs are in place.
 */
@Injectable()
export class DatabaseNotifications implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseNotifications.name);
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private client: Client | null = null;
  private failures = 0;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  /** True while LISTENing: a change committed now reaches the subscribers. */
  live = false;

  constructor(private readonly config: AppConfig) {}

  /** Subscribe before the application has started (in a constructor or onModuleInit): channels are LISTENed to at bootstrap. */
  subscribe(channel: string, handler: NotificationHandler): void {
    if (!this.handlers.has(channel)) this.handlers.set(channel, new Set());
    this.handlers.get(channel)!.add(handler);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.handlers.size) await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.down();
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: `wecom-bridge ${hostname()}:${process.pid} listen`.slice(0, 63),
      // A connection that died silently must be noticed, or changes would be missed without anyone knowing.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('notification', (n) => this.deliver(n.channel, n.payload ?? ''));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    this.client = client;
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.client !== client) return;
    this.failures = 0;
    this.live = true;
    // Whatever changed before the LISTENs were in place was not heard.
    for (const channel of this.handlers.keys()) this.deliver(channel, null);
  }

  private lost(client: Client, error: Error): void {
    if (this.client !== client) return;
    this.down();
    if (this.stopped) return;
    const delay = RECONNECT_MS[Math.min(this.failures++, RECONNECT_MS.length - 1)];
    this.logger.warn(
      `lost the connection that hears other replicas' changes (${error.message}); caches read through until it is back, retrying in ${delay} ms`,
    );
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref();
  }

  private down(): void {
    const client = this.client;
    this.client = null;
    this.live = false;
    for (const channel of this.handlers.keys()) this.deliver(channel, null);
    client?.removeAllListeners('end');
    client?.on('error', () => undefined);
    void client?.end().catch(() => undefined);
  }

  private deliver(channel: string, payload: string | null): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }
}
