import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { hostname } from 'node:os';
import type { Authenticator } from '../auth/authenticators/authenticator';
import { AppException } from '../common/exceptions/app.exception';
import { AppConfig } from '../config/app-config';
import { AdvisoryLockService } from '../database/advisory-lock.service';
import { NocobaseUsersRepository } from '../nocobase/nocobase-users.repository';
import { BindingsRepository } from '../users/bindings.repository';
import { normalizePhone } from '../users/phone';
import type { UseridRange } from '../users/userid-range';
import { departmentItem, memberItem, type ItemRecorder } from './apply/item-outcome';
import { SyncApplierService } from './apply/sync-applier.service';
import { DirectoryMirrorRepository } from './directory-mirror.repository';
import { DirectoryFetcher } from './fetch/directory-fetcher.service';
import type { DirectorySnapshot } from './fetch/directory.types';
import { hashMember } from './plan/member-hash';
import { SnowflakeIdGenerator } from './plan/snowflake-id';
import type { CurrentBinding, CurrentState, SyncPlan } from './plan/sync-plan.types';
import { DirectoryPlanner, isRecorded, type SliceState } from './plan/sync-planner';
import { MAX_ITEMS_PER_RUN, SyncRunsRepository, type RunTrigger, type SyncRun } from './runs/sync-runs.repository';

/** How often a running run's progress is written to its row at most. */
const PROGRESS_WRITE_MS = 200;

export const syncLockKey = (authenticatorId: number) => `wecom-bridge:sync:${authenticatorId}`;

export interface SyncRunOptions {
  dryRun?: boolean;
  force?: boolean;
  /** Limits a run to these members (event-driven); the rest of the directory is left alone. */
  onlyMembers?: string[];
}

/**
 * One sync run: fetch → pure plan → apply, recorded in sync_runs. Exactly one run per
 * authenticator at a time across replicas: a partial unique index admits one queued/running
 * row, and the run itself holds a session advisory lock that dies with its replica, which is
 * how a run left behind by a dead replica is recognised and marked failed.
 */
@Injectable()
export class SyncService implements OnModuleDestroy {
  private readonly logger = new Logger(SyncService.name);
  private readonly replica = `${hostname()}:${process.pid}`;
  private readonly ids = new SnowflakeIdGenerator();
  private closing = false;
  /** Members planned per userid range (see plan()); small in tests so every run crosses ranges. */
  planSlice = 5_000;

  constructor(
    private readonly runs: SyncRunsRepository,
    private readonly lock: AdvisoryLockService,
    private readonly fetcher: DirectoryFetcher,
    private readonly applier: SyncApplierService,
    private readonly mirror: DirectoryMirrorRepository,
    private readonly bindings: BindingsRepository,
    private readonly users: NocobaseUsersRepository,
    private readonly config: AppConfig,
  ) {}

  /** Queues and starts a run, or returns the one already queued or running for the authenticator. */
  async trigger(
    authenticator: Authenticator,
    trigger: RunTrigger,
    options: SyncRunOptions = {},
  ): Promise<{ run: SyncRun; alreadyRunning: boolean; done: Promise<SyncRun> }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const run = await this.runs.tryQueue({ authenticatorId: authenticator.id, trigger, dryRun: Boolean(options.dryRun), force: Boolean(options.force) });
      if (run) return { run, alreadyRunning: false, done: this.execute(authenticator, run, options) };
      const active = await this.runs.findActive(authenticator.id);
      if (!active) continue;
      if (await this.isAbandoned(active)) {
        await this.runs.finish(active.id, { status: 'failed', errorCode: 'REPLICA_LOST', error: 'the replica running this sync stopped before it finished' });
        continue;
      }
      return { run: active, alreadyRunning: true, done: this.waitFor(active.id) };
    }
    throw new Error('could not queue a sync run: runs keep appearing and finishing; try again');
  }

  onModuleDestroy(): void {
    this.closing = true;
  }

  /** Resolves when the run reaches a final status (polling, so it works across replicas), or at shutdown. */
  async waitFor(runId: number, pollMs = 250): Promise<SyncRun> {
    for (;;) {
      const run = await this.runs.findById(runId);
      if (!run || !['queued', 'running'].includes(run.status) || this.closing) return run!;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** A running run whose lock nobody holds lost its replica; a queued one is given a minute to start. */
  private async isAbandoned(run: SyncRun): Promise<boolean> {
    if (await this.lock.isLocked(syncLockKey(run.authenticatorId))) return false;
    if (run.status === 'running') return true;
    return Date.now() - run.createdAt.getTime() > 60_000;
  }

  private async execute(authenticator: Authenticator, run: SyncRun, options: SyncRunOptions): Promise<SyncRun> {
    try {
      const outcome = await this.lock.tryWithLock(syncLockKey(authenticator.id), () => this.runLocked(authenticator, run, options));
      if (outcome.acquired) return outcome.result;
      return await this.finish(run, { status: 'failed', errorCode: 'SYNC_LOCK_HELD', error: 'another replica is syncing this authenticator' });
    } catch (error) {
      this.logger.error(`sync run ${run.id} crashed`, (error as Error).stack);
      return this.finish(run, { status: 'failed', errorCode: 'INTERNAL_ERROR', error: (error as Error).message }).catch(() => run);
    }
  }

  private async runLocked(authenticator: Authenticator, run: SyncRun, options: SyncRunOptions): Promise<SyncRun> {
    await this.runs.markRunning(run.id, this.replica);
    const calls = this.fetcher.callCounter();
    // Progress comes per department read and per chunk written (thousands of times in a large run):
    // the run row is written at most every PROGRESS_WRITE_MS, and always at a phase's start and end.
    let lastWrite = { phase: '', at: 0 };
    const report = async (phase: string, done: number, total: number) => {
      const now = Date.now();
      if (phase === lastWrite.phase && done < total && now - lastWrite.at < PROGRESS_WRITE_MS) return;
      lastWrite = { phase, at: now };
      await this.runs.progress(run.id, { phase, done, total, apiCalls: calls() });
    };
    let snapshot: DirectorySnapshot;
    try {
      await report('fetch', 0, 0);
      snapshot = options.onlyMembers
        ? await this.fetcher.fetchMembers(authenticator, options.onlyMembers)
        : await this.fetcher.fetch(authenticator, (done, total) => void report('fetch', done, total));
    } catch (error) {
      return this.finish(run, { status: 'failed', apiCalls: calls(), ...errorFields(error) });
    }

    const plan = await this.plan(authenticator, run, snapshot, options.onlyMembers, (done, total) => void report('plan', done, total));
    const counts = { ...plan.counts };

    if (run.dryRun || plan.abortReason) {
      await this.itemRecorder(run.id)(plannedItems(plan));
      return this.finish(run, {
        status: plan.abortReason ? 'aborted' : 'succeeded',
        counts,
        apiCalls: calls(),
        rowsWritten: 0,
        errorCode: plan.abortReason ? 'OFFBOARDING_THRESHOLD' : null,
        error: plan.abortReason,
      });
    }

    const total = plan.members.length;
    await report('apply', 0, total);
    const result = await this.applier.apply(authenticator, plan, hashMember, (done) => void report('apply', done, total), this.itemRecorder(run.id));
    return this.finish(run, {
      status: 'succeeded',
      counts: { ...counts, failed: result.failed },
      apiCalls: calls(),
      rowsWritten: result.rowsWritten,
      errorCode: result.failed ? 'ITEMS_FAILED' : plan.offboardingWithheld ? 'FETCH_INCOMPLETE' : null,
      error: result.failed
        ? `${result.failed} item(s) failed; see the run's items`
        : plan.offboardingWithheld
          ? 'part of the directory could not be read, so nothing was offboarded or deleted'
          : null,
    });
  }

  /**
   * Plans `planSlice` members at a time, in userid order, loading only that range's bindings, users,
   * mirror rows and memberships: at 100,000 members the state is never all in memory at once.
   */
  private async plan(
    authenticator: Authenticator,
    run: SyncRun,
    snapshot: DirectorySnapshot,
    onlyMembers: string[] | undefined,
    onProgress: (done: number, total: number) => void,
  ): Promise<SyncPlan> {
    const contacts = await this.contactsInUse(snapshot);
    const planner = new DirectoryPlanner(snapshot, await this.mirror.departmentMap(authenticator.id), contacts, {
      provisionOnSync: authenticator.provisionOnSync,
      offboarding: authenticator.offboarding,
      thresholdPercent: authenticator.offboardingThresholdPercent,
      force: Boolean(run.force || onlyMembers),
      normalizePhone: (raw) => normalizePhone(raw, this.config.auth.phoneDefaultRegion),
      hashMember,
      newDepartmentId: () => this.ids.next(),
    });
    if (onlyMembers) {
      planner.addMembers(snapshot.members, await this.sliceState(authenticator.id, { userids: onlyMembers }, contacts.phoneOfUser));
      return planner.finish();
    }
    const members = snapshot.members; // sorted by userid (the fetcher's byte order)
    for (let i = 0; i === 0 || i < members.length; i += this.planSlice) {
      const slice = members.slice(i, i + this.planSlice);
      const after = i === 0 ? null : members[i - 1].userid;
      const upTo = i + this.planSlice >= members.length ? null : slice[slice.length - 1].userid;
      planner.addMembers(slice, await this.sliceState(authenticator.id, { after, upTo }, contacts.phoneOfUser));
      onProgress(Math.min(i + this.planSlice, members.length), members.length);
    }
    return planner.finish();
  }

  /** `phoneOfUser`: users' phones already normalised for contactsInUse (parsing each twice cost ~1 s at 100k). */
  private async sliceState(authenticatorId: number, range: UseridRange, phoneOfUser: Map<number, string>): Promise<SliceState> {
    const region = this.config.auth.phoneDefaultRegion;
    const rows = await this.bindings.forPlanning(authenticatorId, range);
    const users = await this.users.directoryFields(rows.map((b) => b.nocobaseUserId));
    // Built field by field: spreading rest objects gave each of 100,000 bindings its own hidden class (24 MB).
    const bindings: CurrentBinding[] = rows.map((b) => {
      const u = users.get(b.nocobaseUserId);
      const phone = phoneOfUser.get(b.nocobaseUserId) ?? normalizePhone(u?.phone, region);
      return {
        bindingId: b.bindingId,
        wecomUserid: b.wecomUserid,
        source: b.source,
        phone: b.phone,
        suspended: b.suspended,
        user: u
          ? {
              id: b.nocobaseUserId,
              nickname: u.nickname,
              email: u.email?.toLowerCase() ?? null,
              phone,
              mainDepartmentId: u.mainDepartmentId,
              isPrivileged: u.isPrivileged,
            }
          : null,
      };
    });
    const [mirror, memberships] = await Promise.all([
      this.mirror.mirror(authenticatorId, range),
      this.mirror.memberships(
        authenticatorId,
        rows.map((b) => b.nocobaseUserId),
      ),
    ]);
    return { bindings, mirror, memberships };
  }

  /** Every NocoBase user's phone (E.164) and email: nothing the sync writes may collide with them. */
  private async contactsInUse(snapshot: DirectorySnapshot): Promise<Pick<CurrentState, 'phonesInUse' | 'emailsInUse'> & { phoneOfUser: Map<number, string> }> {
    const phonesInUse = new Map<string, number>();
    const phoneOfUser = new Map<number, string>();
    const emailsInUse = new Map<string, number>();
    if (snapshot.members.some((m) => m.mobile || m.email)) {
      for (const c of await this.users.contactsInUse()) {
        const phone = normalizePhone(c.phone, this.config.auth.phoneDefaultRegion);
        if (phone) {
          phonesInUse.set(phone, c.id);
          phoneOfUser.set(c.id, phone);
        }
        if (c.email) emailsInUse.set(c.email.toLowerCase(), c.id);
      }
    }
    return { phonesInUse, emailsInUse, phoneOfUser };
  }

  /** Stores a run's items as they come, up to MAX_ITEMS_PER_RUN (the counts stay exact beyond it). */
  private itemRecorder(runId: number): ItemRecorder {
    let room = MAX_ITEMS_PER_RUN;
    return async (items) => {
      const kept = items.slice(0, room);
      room -= kept.length;
      if (kept.length) await this.runs.insertItems(runId, kept);
    };
  }

  private async finish(run: SyncRun, f: Parameters<SyncRunsRepository['finish']>[1]): Promise<SyncRun> {
    const finished = await this.runs.finish(run.id, f);
    this.logger.log(`sync run ${run.id} ${finished.status}${finished.error ? `: ${finished.error}` : ''}`);
    return finished;
  }
}

function errorFields(error: unknown): { errorCode: string; error: string } {
  return error instanceof AppException ? { errorCode: error.code, error: error.message } : { errorCode: 'INTERNAL_ERROR', error: (error as Error).message };
}

function plannedItems(plan: SyncPlan) {
  return [
    ...plan.departments.filter((d) => d.action !== 'unchanged').map((d) => departmentItem(d, 'planned', null)),
    ...plan.members.filter(isRecorded).map((c) => memberItem(c, 'planned', null)),
  ];
}
