import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';

/**
 * SIGTERM / SIGINT: stop accepting connections at once, write the queued login audit rows
 * (LoginAuditService; logins still in flight then write theirs at once), let requests in flight
 * (logins) finish, let a running sync stop at its next chunk boundary with what it wrote recorded
 * (SyncService), close the database, exit 0. Whatever is still running after `timeoutSeconds` is abandoned with
 * exit 1; a sync abandoned that way is taken over by another replica when its lease ends.
 */
export function exitGracefully(app: INestApplication, timeoutSeconds: number): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: no new connections; finishing requests in flight and any running sync (at most ${timeoutSeconds} s)`);
    setTimeout(() => {
      logger.error(`still busy after ${timeoutSeconds} s; exiting anyway`);
      process.exit(1);
    }, timeoutSeconds * 1000).unref();
    const server = app.getHttpServer() as Server;
    server.close();
    server.closeIdleConnections();
    try {
      await app.close();
      logger.log('stopped');
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', (s) => void stop(s));
  process.once('SIGINT', (s) => void stop(s));
}
