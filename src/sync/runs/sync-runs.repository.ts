import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { affectedRows, qualified, selectPage } from '../../database/sql';
import type { ItemOutcome } from '../apply/item-outcome';
import type { SyncPlan } from '../plan/sync-plan.types';

/** Per-outcome counts of a run: the plan's, plus the items that failed to apply. */
export type RunCounts = SyncPlan['counts'] & { failed?: number };

export type RunTrigger = 'schedule' | 'admin' | 'cli' | 'event';
/** `partial`: finished, but part of the directory could not be read or some items failed (see the error). */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'aborted';
export type FinalRunStatus = Exclude<RunStatus, 'queued' | 'running'>;

/** A run's owner: the replica that runs it, and for how long its lease lasts after each renewal. */
export interface RunOwner {
  replica: string;
  leaseSeconds: number;
}

export interface SyncRun {
  id: number;
  authenticatorId: number;
  trigger: RunTrigger;
  dryRun: boolean;
  force: boolean;
  status: RunStatus;
  phase: string | null;
  progressDone: number;
  progressTotal: number;
  /** Departments read of all the run reads (the read drives a pipelined run). */
  readDone: number;
  readTotal: number;
  counts: Partial<RunCounts>;
  apiCalls: number;
  rowsWritten: number;
  errorCode: string | null;
  error: string | null;
  replica: string | null;
  leaseExpiresAt: Date | null;
  /** The schedule tick this run is for (trigger `schedule` only). */
  scheduledFor: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface RunItem {
  id: number;
  kind: string;
  key: string;
  action: string;
  outcome: string;
  reason: string;
  changes: unknown;
  error: string | null;
}

/** At most this many items are kept per run; counts stay exact. */
export const MAX_ITEMS_PER_RUN = 50_000;
const UNIQUE_VIOLATION = '23505';

@Injectable()
export class SyncRunsRepository {
  private readonly runs: string;
  private readonly items: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.runs = qualified(config.database.bridgeSchema, 'sync_runs');
    this.items = qualified(config.database.bridgeSchema, 'sync_run_items');
  }

  /**
   * Queues a run unless one is queued or running for the authenticator, or this schedule tick already
   * has its run (two partial unique indexes decide, whichever replica asks). The queued row already
   * carries its owner's lease, so a replica that dies before starting it leaves a row the next
   * trigger can take over.
   */
  async tryQueue(
    r: { authenticatorId: number; trigger: RunTrigger; dryRun: boolean; force: boolean; scheduledFor?: Date },
    owner: RunOwner,
  ): Promise<{ queued: SyncRun } | { busy: 'active' | 'tick' }> {
    try {
      const [row] = await this.dataSource.query(
        `INSERT INTO ${this.runs} (authenticator_id, trigger, dry_run, force, status, replica, lease_expires_at, scheduled_for)
         VALUES ($1, $2, $3, $4, 'queued', $5, now() + make_interval(secs => $6), $7) RETURNING *`,
        [r.authenticatorId, r.trigger, r.dryRun, r.force, owner.replica, owner.leaseSeconds, r.scheduledFor ?? null],
      );
      return { queued: toRun(row) };
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code !== UNIQUE_VIOLATION) throw error;
      return { busy: constraint === 'sync_runs_one_per_tick' ? 'tick' : 'active' };
    }
  }

  /** The run another replica started for this schedule tick. */
  async findByTick(authenticatorId: number, scheduledFor: Date): Promise<SyncRun | null> {
    const rows = await this.dataSource.query(`SELECT * FROM ${this.runs} WHERE authenticator_id = $1 AND scheduled_for = $2`, [authenticatorId, scheduledFor]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async findActive(authenticatorId: number): Promise<SyncRun | null> {
    const rows = await this.dataSource.query(`SELECT * FROM ${this.runs} WHERE authenticator_id = $1 AND status IN ('queued', 'running')`, [authenticatorId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async findById(id: number): Promise<SyncRun | null> {
    const rows = await this.dataSource.query(`SELECT * FROM ${this.runs} WHERE id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** queued → running by its owner, while its lease holds; false when another replica took it over first. */
  async markRunning(id: number, owner: RunOwner): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE ${this.runs} SET status = 'running', started_at = now(), heartbeat_at = now(), lease_expires_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND status = 'queued' AND replica = $2 AND lease_expires_at > now()`,
      [id, owner.replica, owner.leaseSeconds],
    );
    return affectedRows(result) === 1;
  }

  /**
   * Extends the run's lease if its owner still holds it. Inside a write transaction this is the
   * fence: it also locks the run's row until the commit, so a takeover (expireIfLeaseOver) waits
   * for the write to finish and every later write of the old owner finds its lease gone. Measured on the
   * clock, not by now(): the fence ends a transaction that may have run for seconds, and now() is when it began.
   */
  async renewLease(id: number, owner: RunOwner, manager: Pick<EntityManager, 'query'> = this.dataSource): Promise<boolean> {
    const result = await manager.query(
      `UPDATE ${this.runs} SET heartbeat_at = clock_timestamp(), lease_expires_at = clock_timestamp() + make_interval(secs => $3)
        WHERE id = $1 AND status = 'running' AND replica = $2 AND lease_expires_at > clock_timestamp()`,
      [id, owner.replica, owner.leaseSeconds],
    );
    return affectedRows(result) === 1;
  }

  /** What a committed chunk wrote, counted into its run in the chunk's own transaction (so a dead run's row says it). */
  async addWritten(id: number, rowsWritten: number, progressDone: number, manager: Pick<EntityManager, 'query'>): Promise<void> {
    await manager.query(`UPDATE ${this.runs} SET rows_written = rows_written + $2, progress_done = GREATEST(progress_done, $3) WHERE id = $1`, [
      id,
      rowsWritten,
      progressDone,
    ]);
  }

  /** Marks a queued or running run failed when its lease is over (its replica died or lost its database connection). */
  async expireIfLeaseOver(id: number): Promise<SyncRun | null> {
    const [rows] = await this.dataSource.query(
      `UPDATE ${this.runs} SET status = 'failed', error_code = 'REPLICA_LOST', finished_at = now(), phase = 'done',
         error = 'the replica running this sync stopped renewing its lease (it died or lost its database connection); ' || rows_written || ' rows were written before'
        WHERE id = $1 AND status IN ('queued', 'running') AND COALESCE(lease_expires_at, '-infinity') < now() RETURNING *`,
      [id],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Every queued or running run whose lease is over, marked failed (each replica sweeps now and then). */
  async expireOverdue(): Promise<SyncRun[]> {
    const overdue = await this.dataSource.query(
      `SELECT id FROM ${this.runs} WHERE status IN ('queued', 'running') AND COALESCE(lease_expires_at, '-infinity') < now()`,
    );
    const expired: SyncRun[] = [];
    for (const { id } of overdue) {
      const run = await this.expireIfLeaseOver(Number(id));
      if (run) expired.push(run);
    }
    return expired;
  }

  async progress(id: number, p: { phase?: string; done?: number; total?: number; apiCalls?: number; readDone?: number; readTotal?: number }): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.runs} SET phase = COALESCE($2, phase), progress_done = COALESCE($3, progress_done), progress_total = COALESCE($4, progress_total),
         api_calls = COALESCE($5, api_calls), read_done = COALESCE($6, read_done), read_total = COALESCE($7, read_total) WHERE id = $1 AND status = 'running'`,
      [id, p.phase ?? null, p.done ?? null, p.total ?? null, p.apiCalls ?? null, p.readDone ?? null, p.readTotal ?? null],
    );
  }

  /**
   * Records how a run ended, if its owner still owns it. `recorded` is false when it no longer did
   * (another replica took it over and recorded the failure): the row is returned as it stands.
   */
  async finish(
    id: number,
    owner: Pick<RunOwner, 'replica'>,
    f: { status: FinalRunStatus; counts?: RunCounts; apiCalls?: number; rowsWritten?: number; errorCode?: string | null; error?: string | null },
  ): Promise<{ run: SyncRun; recorded: boolean }> {
    const [rows] = await this.dataSource.query(
      `UPDATE ${this.runs} SET status = $3, counts = COALESCE($4::jsonb, counts), api_calls = COALESCE($5, api_calls), rows_written = COALESCE($6, rows_written),
         error_code = $7, error = $8, finished_at = now(), phase = 'done' WHERE id = $1 AND replica = $2 AND status IN ('queued', 'running') RETURNING *`,
      [
        id,
        owner.replica,
        f.status,
        f.counts ? JSON.stringify(f.counts) : null,
        f.apiCalls ?? null,
        f.rowsWritten ?? null,
        f.errorCode ?? null,
        f.error ?? null,
      ],
    );
    return rows[0] ? { run: toRun(rows[0]), recorded: true } : { run: (await this.findById(id))!, recorded: false };
  }

  /**
   * Stores item outcomes; in a chunk's transaction when given its manager, so they commit with what
   * they describe. One JSON parameter rather than an array per column: node-postgres escapes every
   * element of a text[] in JavaScript (the quotes of each item's changes too), JSON.stringify is native.
   */
  async insertItems(runId: number, items: ItemOutcome[], manager: Pick<EntityManager, 'query'> = this.dataSource): Promise<void> {
    for (let i = 0; i < items.length; i += 2000) {
      const chunk = items.slice(i, i + 2000);
      await manager.query(
        `INSERT INTO ${this.items} (run_id, kind, key, action, outcome, reason, changes, error)
         SELECT $1, kind, key, action, outcome, reason, changes, error
           FROM json_to_recordset($2::json) AS t(kind text, key text, action text, outcome text, reason text, changes jsonb, error text)`,
        [
          runId,
          JSON.stringify(
            chunk.map((x) => ({
              kind: x.kind,
              key: x.key,
              action: x.action,
              outcome: x.outcome,
              reason: x.reason,
              changes: x.changes ?? null,
              error: x.error,
            })),
          ),
        ],
      );
    }
  }

  async list(
    filter: { authenticatorId?: number; status?: RunStatus; trigger?: RunTrigger },
    page: number,
    pageSize: number,
  ): Promise<{ rows: SyncRun[]; count: number }> {
    const where = `WHERE ($1::bigint IS NULL OR authenticator_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR trigger = $3)`;
    const params = [filter.authenticatorId ?? null, filter.status ?? null, filter.trigger ?? null];
    const { rows, count } = await selectPage<Record<string, unknown>>(
      this.dataSource,
      { columns: '*', from: this.runs, where, orderBy: 'id DESC', params },
      page,
      pageSize,
    );
    return { rows: rows.map(toRun), count };
  }

  /** The latest failed run per WeCom error code over the last `days`. */
  async recentWecomErrors(authenticatorId: number, days: number): Promise<{ at: Date; code: string; message: string | null }[]> {
    return this.dataSource.query(
      `SELECT * FROM (SELECT DISTINCT ON (error_code) finished_at AS at, error_code AS code, error AS message FROM ${this.runs}
          WHERE authenticator_id = $1 AND error_code LIKE 'WECOM\\_%' AND finished_at > now() - make_interval(days => $2)
          ORDER BY error_code, finished_at DESC) latest
        ORDER BY at DESC`,
      [authenticatorId, days],
    );
  }

  async listItems(runId: number, filter: { action?: string; outcome?: string }, page: number, pageSize: number): Promise<{ rows: RunItem[]; count: number }> {
    const where = `WHERE run_id = $1 AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR outcome = $3)`;
    const params = [runId, filter.action ?? null, filter.outcome ?? null];
    const { rows, count } = await selectPage<Record<string, unknown>>(
      this.dataSource,
      { columns: '*', from: this.items, where, orderBy: 'id', params },
      page,
      pageSize,
    );
    return {
      rows: rows.map((r) => ({
        id: Number(r.id),
        kind: r.kind as string,
        key: r.key as string,
        action: r.action as string,
        outcome: r.outcome as string,
        reason: r.reason as string,
        changes: r.changes,
        error: (r.error as string) ?? null,
      })),
      count,
    };
  }
}

function toRun(r: Record<string, unknown>): SyncRun {
  return {
    id: Number(r.id),
    authenticatorId: Number(r.authenticator_id),
    trigger: r.trigger as RunTrigger,
    dryRun: r.dry_run as boolean,
    force: r.force as boolean,
    status: r.status as RunStatus,
    phase: (r.phase as string) ?? null,
    progressDone: Number(r.progress_done),
    progressTotal: Number(r.progress_total),
    readDone: Number(r.read_done ?? 0),
    readTotal: Number(r.read_total ?? 0),
    counts: (r.counts as Partial<RunCounts>) ?? {},
    apiCalls: Number(r.api_calls),
    rowsWritten: Number(r.rows_written),
    errorCode: (r.error_code as string) ?? null,
    error: (r.error as string) ?? null,
    replica: (r.replica as string) ?? null,
    leaseExpiresAt: (r.lease_expires_at as Date) ?? null,
    scheduledFor: (r.scheduled_for as Date) ?? null,
    createdAt: r.created_at as Date,
    startedAt: (r.started_at as Date) ?? null,
    finishedAt: (r.finished_at as Date) ?? null,
  };
}
