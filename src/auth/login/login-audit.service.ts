import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { LoginAuditRepository, type LoginAuditEntry } from './login-audit.repository';

/** How long a success row may wait in memory, and how many are written in one statement. */
export const AUDIT_FLUSH_MS = 200;
export const AUDIT_BATCH = 500;
/** Past this many rows waiting (the database is slow or away), a login waits for its row to be written. */
const AUDIT_MAX_PENDING = 5_000;

/**
 * When the login audit is written. A refusal is written before the member is answered: its id is the
 * reference the member is shown. A success names no reference, so its row is queued and written with
 * others in one statement, off the login's path, within AUDIT_FLUSH_MS (stamped with the time of the
 * decision, not of the write). The queue is flushed at shutdown, after which rows are written at once;
 * only a process killed outright loses what it had queued (at most AUDIT_FLUSH_MS of successes).
 */
@Injectable()
export class LoginAuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LoginAuditService.name);
  private pending: Array<LoginAuditEntry & { at: Date }> = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly repository: LoginAuditRepository) {}

  /** Writes the row now and returns its id, the reference a refused member is given. */
  refused(entry: LoginAuditEntry): Promise<number> {
    return this.repository.record(entry);
  }

  /** Queues a success; resolves at once unless the queue is full (then once it has been written). */
  async succeeded(entry: LoginAuditEntry): Promise<void> {
    const row = { ...entry, at: new Date() };
    if (this.closed) {
      await this.repository.recordMany([row]);
      return;
    }
    this.pending.push(row);
    if (this.pending.length >= AUDIT_MAX_PENDING) await this.flush();
    else if (this.pending.length >= AUDIT_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), AUDIT_FLUSH_MS);
  }

  /** Writes everything queued so far, one flush at a time; a batch that fails goes back to the front of the queue for the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  /**
   * Called by app.close() (src/shutdown.ts): before the HTTP server is disposed, which waits for the logins in
   * flight, and before the database closes. Those logins write their rows at once.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async writePending(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.pending.length) {
      const batch = this.pending.splice(0, AUDIT_BATCH);
      try {
        await this.repository.recordMany(batch);
      } catch (error) {
        this.pending.unshift(...batch);
        this.logger.error(`could not write ${this.pending.length} login audit rows (kept for the next try): ${(error as Error).message}`);
        if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), AUDIT_FLUSH_MS * 5);
        return;
      }
    }
  }
}
