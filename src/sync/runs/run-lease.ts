import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RunOwner, SyncRunsRepository } from './sync-runs.repository';

/** The run no longer holds its lease: another replica took it over, or it could not renew in time. */
export class LeaseLost extends Error {
  constructor(runId: number) {
    super(`sync run ${runId} lost its lease (database connection lost, or the process stalled past the lease); it stopped writing`);
  }
}

/**
 * A run's exclusivity, proven in the database rather than held by a connection: the run's row
 * carries its owner and a lease end. A heartbeat renews it; every write transaction renews it
 * too, as its last statement before its counts (`fence`), which locks the row until the commit. Another
 * replica may take a run over only after its lease ends, and that takeover waits for any commit in
 * flight, while a transaction whose lease ended before its fence rolls back: two runs never commit
 * writes at once, whatever happens to connections in between.
 */
export class RunLease {
  private readonly logger = new Logger(RunLease.name);
  private timer?: NodeJS.Timeout;
  private lostAt: Date | null = null;

  constructor(
    private readonly runs: SyncRunsRepository,
    readonly runId: number,
    readonly owner: RunOwner,
  ) {}

  get lost(): boolean {
    return this.lostAt !== null;
  }

  /** Renews every sixth of the lease, so a few failed renewals in a row still leave time. */
  startHeartbeat(): void {
    const every = (this.owner.leaseSeconds * 1000) / 6;
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The last statement of every write transaction before its counts: renews the lease or throws LeaseLost (and the transaction rolls back). */
  async fence(manager: Pick<EntityManager, 'query'>): Promise<void> {
    if (this.lost || !(await this.runs.renewLease(this.runId, this.owner, manager))) {
      this.lostAt ??= new Date();
      throw new LeaseLost(this.runId);
    }
  }

  /** Throws LeaseLost between phases once a renewal found the lease gone. */
  assertHeld(): void {
    if (this.lost) throw new LeaseLost(this.runId);
  }

  private async beat(): Promise<void> {
    try {
      if (!(await this.runs.renewLease(this.runId, this.owner))) {
        this.lostAt ??= new Date();
        this.stop();
      }
    } catch (error) {
      // The database may be back before the lease ends; the next beat or fence decides.
      this.logger.warn(`sync run ${this.runId} could not renew its lease: ${(error as Error).message}`);
    }
  }
}
