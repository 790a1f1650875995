import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import type { Authenticator } from '../auth/authenticators/authenticator';
import { AppException } from '../common/exceptions/app.exception';
import { settledLater } from '../common/promises';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { departmentItem, memberItem, type ItemOutcome } from './apply/item-outcome';
import { SyncApplierService, type ApplyContext } from './apply/sync-applier.service';
import { DirectoryFetcher } from './fetch/directory-fetcher.service';
import type { DirectoryRead, DirectorySnapshot } from './fetch/directory.types';
import { hashMember } from './plan/member-hash';
import type { SyncPlan } from './plan/sync-plan.types';
import { isRecorded } from './plan/sync-planner';
import { SyncPlanningService } from './plan/sync-planning.service';
import { LeaseLost, RunLease } from './runs/run-lease';
import {
  MAX_ITEMS_PER_RUN,
  SyncRunsRepository,
  type FinalRunStatus,
  type RunCounts,
  type RunOwner,
  type RunTrigger,
  type SyncRun,
} from './runs/sync-runs.repository';

/** Tries of a planning read between writes (0.5 + 1 + 2 + 4 + 8 s of waiting: a PostgreSQL restart fits). */
const READ_ATTEMPTS = 6;

/** How often a running run's progress is written to its row at most. */
const PROGRESS_WRITE_MS = 200;

export interface SyncRunOptions {
  dryRun?: boolean;
  force?: boolean;
  /** Limits a run to these members (event-driven); the rest of the directory is left alone. */
  onlyMembers?: string[];
  /** The schedule tick that fired this run: every replica fires it, one run is made. */
  scheduledFor?: Date;
}

type Finish = Parameters<SyncRunsRepository['finish']>[2];

/**
 * One sync run: fetch → pure plan → apply, recorded in sync_runs. Exactly one run per
 * authenticator at a time across replicas: a partial unique index admits one queued/running row,
 * and the run proves it still owns that row with a lease (RunLease) renewed by a heartbeat and by
 * every write transaction. A run whose lease ended (its replica died or lost the database) is
 * marked failed by whoever notices first, and only then can another run start.
 */
@Injectable()
export class SyncService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncService.name);
  private readonly owner: RunOwner;
  private readonly executing = new Set<Promise<SyncRun>>();
  /** Authenticator names by id, for metric labels. */
  private readonly names = new Map<number, string>();
  private stopping = false;

  constructor(
    private readonly runs: SyncRunsRepository,
    private readonly fetcher: DirectoryFetcher,
    private readonly planning: SyncPlanningService,
    private readonly applier: SyncApplierService,
    private readonly metrics: Metrics,
    config: AppConfig,
  ) {
    this.owner = { replica: `${hostname()}:${process.pid}`, leaseSeconds: config.sync.leaseSeconds };
  }

  /** Queues and starts a run, or returns the one already queued or running for the authenticator. */
  async trigger(
    authenticator: Authenticator,
    trigger: RunTrigger,
    options: SyncRunOptions = {},
  ): Promise<{ run: SyncRun; alreadyRunning: boolean; done: Promise<SyncRun> }> {
    this.names.set(authenticator.id, authenticator.name);
    for (let attempt = 0; attempt < 3; attempt++) {
      const queued = await this.runs.tryQueue(
        { authenticatorId: authenticator.id, trigger, dryRun: Boolean(options.dryRun), force: Boolean(options.force), scheduledFor: options.scheduledFor },
        this.owner,
      );
      if ('queued' in queued) return { run: queued.queued, alreadyRunning: false, done: this.track(this.execute(authenticator, queued.queued, options)) };
      if (queued.busy === 'tick') {
        const ticked = await this.runs.findByTick(authenticator.id, options.scheduledFor!);
        if (ticked) return { run: ticked, alreadyRunning: true, done: this.waitFor(ticked.id) };
        continue;
      }
      const active = await this.runs.findActive(authenticator.id);
      if (!active) continue;
      const expired = await this.runs.expireIfLeaseOver(active.id);
      if (expired) {
        this.countRun(expired);
        this.logger.warn(`sync run ${expired.id} of "${authenticator.name}" lost its replica: ${expired.error}`);
        continue;
      }
      return { run: active, alreadyRunning: true, done: this.waitFor(active.id) };
    }
    throw new Error('could not queue a sync run: runs keep appearing and finishing; try again');
  }

  /** Runs whose lease ended, marked failed (the scheduler sweeps now and then, on every replica). */
  async expireOverdue(): Promise<SyncRun[]> {
    const expired = await this.runs.expireOverdue();
    for (const run of expired) this.countRun(run);
    return expired;
  }

  /**
   * Shutdown: runs stop at their next chunk boundary with what they wrote recorded, and the process
   * waits for them (bounded by the caller's shutdown timeout).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.executing]);
  }

  /** Resolves when the run reaches a final status (polling, so it works across replicas), or at shutdown. */
  async waitFor(runId: number, pollMs = 250): Promise<SyncRun> {
    let run = await this.runs.findById(runId);
    while (run && ['queued', 'running'].includes(run.status) && !this.stopping) {
      await new Promise((r) => setTimeout(r, pollMs));
      if (this.stopping) break;
      run = await this.runs.findById(runId);
    }
    return run!;
  }

  private track(work: Promise<SyncRun>): Promise<SyncRun> {
    this.executing.add(work);
    void work.finally(() => this.executing.delete(work));
    return work;
  }

  private async execute(authenticator: Authenticator, run: SyncRun, options: SyncRunOptions): Promise<SyncRun> {
    const lease = new RunLease(this.runs, run.id, this.owner);
    try {
      if (!(await this.runs.markRunning(run.id, this.owner))) return (await this.runs.findById(run.id))!;
      lease.startHeartbeat();
      return await this.run(authenticator, run, options, lease);
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.logger.error(error.message);
        return this.finish(run, { status: 'failed', errorCode: 'LEASE_LOST', error: error.message }).catch(() => run);
      }
      this.logger.error(`sync run ${run.id} crashed`, (error as Error).stack);
      return this.finish(run, { status: 'failed', errorCode: 'INTERNAL_ERROR', error: (error as Error).message }).catch(() => run);
    } finally {
      lease.stop();
    }
  }

  /**
   * A whole-directory run, pipelined: members are planned and written batch by batch while WeCom is
   * still answering for the next departments (the read is the floor under a run's duration, so the
   * rest hides under it). Creates, updates, moves and restores of the members read are written as they
   * come; what depends on the whole read — department deletes, offboarding, forgetting, and the
   * offboarding threshold — waits for its end. A threshold breach then aborts only that part: what the
   * read found new or changed stays written (ARCHITECTURE.md, "A sync").
   */
  private async run(authenticator: Authenticator, run: SyncRun, options: SyncRunOptions, lease: RunLease): Promise<SyncRun> {
    if (options.onlyMembers) return this.runForMembers(authenticator, run, options.onlyMembers, lease);
    const calls = this.fetcher.callCounter();
    const report = this.progressReporter(run.id, calls);
    let read: DirectoryRead;
    try {
      await report('fetch', 0, 0);
      read = await this.fetcher.read(authenticator, { batchSize: this.planning.planSlice, onProgress: this.readProgressReporter(run.id) });
    } catch (error) {
      return this.finish(run, { status: 'failed', apiCalls: calls(), ...errorFields(error) });
    }
    lease.assertHeld();

    const session = await this.planning.begin(authenticator, read.departments, { force: Boolean(run.force) });
    const record = this.itemRecorder(run.id);
    const planned = async (items: ItemOutcome[]) => {
      await record(items);
      this.countItems(authenticator, items);
    };
    let handled = 0;
    const context: ApplyContext = {
      runId: run.id,
      fence: (manager) => lease.fence(manager),
      record,
      // Progress counts members read and handled (whole batches), never more than the run has done.
      committed: (rowsWritten, _done, manager) => this.runs.addWritten(run.id, rowsWritten, handled, manager),
      settled: (items) => this.countItems(authenticator, items),
      stopping: () => this.stopping,
      onProgress: () => undefined,
    };
    // A dry run plans exactly as a real one and records every item as planned; it writes nothing else.
    const applying = run.dryRun ? null : this.applier.begin(authenticator, hashMember, context);
    let stopped = false;
    try {
      await report('apply', 0, 0);
      if (applying) await applying.departments(session.departments);
      else await planned(session.departments.filter((d) => d.action !== 'unchanged').map((d) => departmentItem(d, 'planned', null)));
      // One batch planned ahead: its reads and planning run while the batch before it is written (a
      // batch's members are none of another's, so what one writes is nothing the next one reads).
      const batches = read.members[Symbol.asyncIterator]();
      const planNext = async () => {
        const next = await batches.next();
        if (next.done) return null;
        lease.assertHeld();
        return { size: next.value.length, changes: await this.readAgain(lease, () => session.plan(next.value)) };
      };
      let ahead = settledLater(planNext());
      for (let current = await ahead; current; current = await ahead) {
        ahead = settledLater(planNext());
        if (applying) stopped = !(await applying.members(current.changes));
        else await planned(current.changes.filter(isRecorded).map((c) => memberItem(c, 'planned', null)));
        if (stopped) break;
        handled += current.size;
        void report('apply', handled, read.seen.size);
      }
      // At shutdown the batch being planned is let finish (reads only), the read no longer waiting to fill it.
      if (stopped) {
        read.close();
        await ahead.catch(() => undefined);
      }
    } catch (error) {
      if (error instanceof AppException) return this.finish(run, { status: 'failed', apiCalls: calls(), ...errorFields(error) });
      throw error;
    } finally {
      read.close();
    }

    let plan: SyncPlan | null = null;
    if (!stopped) {
      lease.assertHeld();
      const rest = await this.readAgain(lease, () => session.remaining({ complete: read.complete, seen: read.seen }));
      plan = rest.plan;
      if (applying && !plan.abortReason) {
        await applying.departments(rest.departments);
        stopped = !(await applying.members(rest.members));
      } else {
        await planned([
          ...rest.departments.filter((d) => d.action !== 'unchanged').map((d) => departmentItem(d, 'planned', null)),
          ...rest.members.filter(isRecorded).map((c) => memberItem(c, 'planned', null)),
        ]);
      }
    }
    const result = applying ? await applying.end() : { rowsWritten: 0, failed: 0 };
    const finish = { apiCalls: calls(), rowsWritten: result.rowsWritten };
    if (stopped || !plan) {
      const error = `stopped at shutdown after ${handled} of ${read.seen.size} members read (${result.rowsWritten} rows written); the next run continues`;
      return this.finish(run, { ...finish, status: 'failed', errorCode: 'SHUTDOWN', error });
    }
    const counts = { ...plan.counts, ...(applying && { failed: result.failed }) } as RunCounts;
    if (plan.abortReason) {
      const kept = applying && result.rowsWritten ? '; what the read found new or changed was written, nobody was offboarded' : '';
      return this.finish(run, { ...finish, counts, status: 'aborted', errorCode: 'OFFBOARDING_THRESHOLD', error: plan.abortReason + kept });
    }
    const problems = [result.failed ? `${result.failed} item(s) failed; see the run's items` : null, read.complete ? null : INCOMPLETE_READ].filter(Boolean);
    return this.finish(run, {
      ...finish,
      counts,
      status: problems.length ? 'partial' : 'succeeded',
      errorCode: result.failed ? 'ITEMS_FAILED' : read.complete ? null : 'FETCH_INCOMPLETE',
      error: problems.length ? problems.join('; ') : null,
    });
  }

  /** A run limited to members an event named: read whole (they are few), planned whole, applied. */
  private async runForMembers(authenticator: Authenticator, run: SyncRun, onlyMembers: string[], lease: RunLease): Promise<SyncRun> {
    const calls = this.fetcher.callCounter();
    const report = this.progressReporter(run.id, calls);
    let snapshot: DirectorySnapshot;
    try {
      await report('fetch', 0, 0);
      snapshot = await this.fetcher.fetchMembers(authenticator, onlyMembers);
    } catch (error) {
      return this.finish(run, { status: 'failed', apiCalls: calls(), ...errorFields(error) });
    }
    lease.assertHeld();

    const plan = await this.planning.plan(authenticator, snapshot, { force: true, onlyMembers }, (done, total) => void report('plan', done, total));
    lease.assertHeld();
    const counts = { ...plan.counts };
    const record = this.itemRecorder(run.id);
    if (run.dryRun || plan.abortReason) {
      const planned = plannedItems(plan);
      await record(planned);
      this.countItems(authenticator, planned);
      const aborted = Boolean(plan.abortReason);
      return this.finish(run, {
        status: aborted ? 'aborted' : this.readStatus(snapshot),
        counts,
        apiCalls: calls(),
        rowsWritten: 0,
        errorCode: aborted ? 'OFFBOARDING_THRESHOLD' : snapshot.complete ? null : 'FETCH_INCOMPLETE',
        error: plan.abortReason ?? (snapshot.complete ? null : INCOMPLETE_READ),
      });
    }

    const total = plan.members.length;
    await report('apply', 0, total);
    const context: ApplyContext = {
      runId: run.id,
      fence: (manager) => lease.fence(manager),
      record,
      committed: (rowsWritten, done, manager) => this.runs.addWritten(run.id, rowsWritten, done, manager),
      settled: (items) => this.countItems(authenticator, items),
      stopping: () => this.stopping,
      onProgress: (done) => void report('apply', done, total),
    };
    const result = await this.applier.apply(authenticator, plan, hashMember, context);
    const finish = { counts: { ...counts, failed: result.failed } as RunCounts, apiCalls: calls(), rowsWritten: result.rowsWritten };
    if (result.stoppedEarly) {
      const error = `stopped at shutdown after ${result.membersDone} of ${total} members (${result.rowsWritten} rows written); the next run continues`;
      return this.finish(run, { ...finish, status: 'failed', errorCode: 'SHUTDOWN', error });
    }
    const problems = [result.failed ? `${result.failed} item(s) failed; see the run's items` : null, snapshot.complete ? null : INCOMPLETE_READ].filter(
      Boolean,
    );
    return this.finish(run, {
      ...finish,
      status: problems.length ? 'partial' : 'succeeded',
      errorCode: result.failed ? 'ITEMS_FAILED' : snapshot.complete ? null : 'FETCH_INCOMPLETE',
      error: problems.length ? problems.join('; ') : null,
    });
  }

  /**
   * The planning reads between writes, tried again when the database drops them (a terminated
   * connection, a restart): they write nothing, so trying again is safe, and the run goes on as its
   * chunk transactions do, instead of crashing with half a directory written.
   */
  private async readAgain<T>(lease: RunLease, read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (error) {
        if (error instanceof AppException || error instanceof LeaseLost || attempt >= READ_ATTEMPTS) throw error;
        this.logger.warn(`a sync read failed (attempt ${attempt} of ${READ_ATTEMPTS}), trying again: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
        lease.assertHeld();
      }
    }
  }

  /** A read that missed part of the directory only makes a partial run, whatever was written. */
  private readStatus(snapshot: DirectorySnapshot): FinalRunStatus {
    return snapshot.complete ? 'succeeded' : 'partial';
  }

  /**
   * Progress comes per department read and per chunk written (thousands of times in a large run): the
   * run row is written at most every PROGRESS_WRITE_MS, and always at a phase's start and end.
   */
  private progressReporter(runId: number, calls: () => number) {
    let lastWrite = { phase: '', at: 0 };
    return async (phase: string, done: number, total: number) => {
      const now = Date.now();
      if (phase === lastWrite.phase && done < total && now - lastWrite.at < PROGRESS_WRITE_MS) return;
      lastWrite = { phase, at: now };
      await this.runs
        .progress(runId, { phase, done, total, apiCalls: calls() })
        .catch((error) => this.logger.warn(`progress of run ${runId}: ${(error as Error).message}`));
    };
  }

  /** Departments read of all, written at most every PROGRESS_WRITE_MS and always at the last one. */
  private readProgressReporter(runId: number) {
    let lastWrite = 0;
    return (done: number, total: number) => {
      const now = Date.now();
      if (done < total && now - lastWrite < PROGRESS_WRITE_MS) return;
      lastWrite = now;
      void this.runs
        .progress(runId, { readDone: done, readTotal: total })
        .catch((error) => this.logger.warn(`read progress of run ${runId}: ${(error as Error).message}`));
    };
  }

  /** Stores a run's items as they come, up to MAX_ITEMS_PER_RUN (the counts stay exact beyond it). */
  private itemRecorder(runId: number): ApplyContext['record'] {
    let room = MAX_ITEMS_PER_RUN;
    return async (items: ItemOutcome[], manager) => {
      const kept = items.slice(0, room);
      room -= kept.length;
      if (kept.length) await this.runs.insertItems(runId, kept, manager);
    };
  }

  private async finish(run: SyncRun, f: Finish): Promise<SyncRun> {
    const { run: finished, recorded } = await this.runs.finish(run.id, this.owner, f);
    this.logger.log(`sync run ${run.id} ${finished.status}${finished.error ? `: ${finished.error}` : ''}`);
    if (recorded) this.countRun(finished);
    return finished;
  }

  /** A finished run in the metrics: counted once, by whichever replica recorded how it ended. */
  private countRun(run: SyncRun): void {
    const authenticator = this.names.get(run.authenticatorId) ?? String(run.authenticatorId);
    this.metrics.syncRuns.inc({ authenticator, trigger: run.trigger, status: run.status });
    if (run.startedAt && run.finishedAt)
      this.metrics.syncRunSeconds.observe({ authenticator, status: run.status }, (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000);
  }

  private countItems(authenticator: Authenticator, items: ItemOutcome[]): void {
    for (const item of items) this.metrics.syncItems.inc({ authenticator: authenticator.name, kind: item.kind, action: item.action, outcome: item.outcome });
  }
}

const INCOMPLETE_READ = 'part of the directory could not be read, so nothing was offboarded or deleted';

function errorFields(error: unknown): { errorCode: string; error: string } {
  return error instanceof AppException ? { errorCode: error.code, error: error.message } : { errorCode: 'INTERNAL_ERROR', error: (error as Error).message };
}

function plannedItems(plan: SyncPlan) {
  return [
    ...plan.departments.filter((d) => d.action !== 'unchanged').map((d) => departmentItem(d, 'planned', null)),
    ...plan.members.filter(isRecorded).map((c) => memberItem(c, 'planned', null)),
  ];
}
