import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { qualified, selectPage } from '../../database/sql';
import type { ItemOutcome } from '../apply/item-outcome';
import type { SyncPlan } from '../plan/sync-plan.types';

/** Per-outcome counts of a run: the plan's, plus the items that failed to apply. */
export type RunCounts = SyncPlan['counts'] & { failed?: number };

export type RunTrigger = 'schedule' | 'admin' | 'cli' | 'event';
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'aborted';

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
  counts: Partial<RunCounts>;
  apiCalls: number;
  rowsWritten: number;
  errorCode: string | null;
  error: string | null;
  replica: string | null;
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

  /** Queues a run unless one is queued or running for the authenticator (the partial unique index decides). */
  async tryQueue(r: { authenticatorId: number; trigger: RunTrigger; dryRun: boolean; force: boolean }): Promise<SyncRun | null> {
    try {
      const [row] = await this.dataSource.query(
        `INSERT INTO ${this.runs} (authenticator_id, trigger, dry_run, force, status) VALUES ($1, $2, $3, $4, 'queued') RETURNING *`,
        [r.authenticatorId, r.trigger, r.dryRun, r.force],
      );
      return toRun(row);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return null;
      throw error;
    }
  }

  async findActive(authenticatorId: number): Promise<SyncRun | null> {
    const rows = await this.dataSource.query(`SELECT * FROM ${this.runs} WHERE authenticator_id = $1 AND status IN ('queued', 'running')`, [authenticatorId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async findById(id: number): Promise<SyncRun | null> {
    const rows = await this.dataSource.query(`SELECT * FROM ${this.runs} WHERE id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async markRunning(id: number, replica: string): Promise<void> {
    await this.dataSource.query(`UPDATE ${this.runs} SET status = 'running', replica = $2, started_at = now(), heartbeat_at = now() WHERE id = $1`, [
      id,
      replica,
    ]);
  }

  async progress(id: number, p: { phase?: string; done?: number; total?: number; apiCalls?: number }): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.runs} SET phase = COALESCE($2, phase), progress_done = COALESCE($3, progress_done), progress_total = COALESCE($4, progress_total),
         api_calls = COALESCE($5, api_calls), heartbeat_at = now() WHERE id = $1`,
      [id, p.phase ?? null, p.done ?? null, p.total ?? null, p.apiCalls ?? null],
    );
  }

  async finish(
    id: number,
    f: {
      status: Exclude<RunStatus, 'queued' | 'running'>;
      counts?: RunCounts;
      apiCalls?: number;
      rowsWritten?: number;
      errorCode?: string | null;
      error?: string | null;
    },
  ): Promise<SyncRun> {
    const [rows] = await this.dataSource.query(
      `UPDATE ${this.runs} SET status = $2, counts = COALESCE($3::jsonb, counts), api_calls = COALESCE($4, api_calls), rows_written = COALESCE($5, rows_written),
         error_code = $6, error = $7, finished_at = now(), phase = 'done' WHERE id = $1 RETURNING *`,
      [id, f.status, f.counts ? JSON.stringify(f.counts) : null, f.apiCalls ?? null, f.rowsWritten ?? null, f.errorCode ?? null, f.error ?? null],
    );
    return toRun(rows[0]);
  }

  async insertItems(runId: number, items: ItemOutcome[]): Promise<void> {
    for (let i = 0; i < items.length; i += 2000) {
      const chunk = items.slice(i, i + 2000);
      await this.dataSource.query(
        `INSERT INTO ${this.items} (run_id, kind, key, action, outcome, reason, changes, error)
         SELECT $1, k, ky, a, o, r, c::jsonb, e FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(k, ky, a, o, r, c, e)`,
        [
          runId,
          chunk.map((x) => x.kind),
          chunk.map((x) => x.key),
          chunk.map((x) => x.action),
          chunk.map((x) => x.outcome),
          chunk.map((x) => x.reason),
          chunk.map((x) => (x.changes === undefined ? null : JSON.stringify(x.changes))),
          chunk.map((x) => x.error),
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
    counts: (r.counts as Partial<RunCounts>) ?? {},
    apiCalls: Number(r.api_calls),
    rowsWritten: Number(r.rows_written),
    errorCode: (r.error_code as string) ?? null,
    error: (r.error as string) ?? null,
    replica: (r.replica as string) ?? null,
    createdAt: r.created_at as Date,
    startedAt: (r.started_at as Date) ?? null,
    finishedAt: (r.finished_at as Date) ?? null,
  };
}
