import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Authenticator } from '../../auth/authenticators/authenticator';
import { settledLater } from '../../common/promises';
import { TransactionRunner } from '../../database/transaction-runner';
import { NocobaseDepartmentsRepository } from '../../nocobase/nocobase-departments.repository';
import { NocobaseSessionService } from '../../nocobase/nocobase-session.service';
import { NocobaseUsersRepository, SortCursor, type UserFieldsUpdate } from '../../nocobase/nocobase-users.repository';
import { BindingsRepository } from '../../users/bindings.repository';
import { DirectoryMirrorRepository } from '../directory-mirror.repository';
import { isRecorded } from '../plan/sync-planner';
import type { DepartmentChange, DirectoryMember, MemberChange, SyncPlan } from '../plan/sync-plan.types';
import { LeaseLost } from '../runs/run-lease';
import { departmentItem, memberItem, type ItemOutcome } from './item-outcome';

/**
 * Members per transaction. While the directory is still being read a chunk shares the process and the
 * machine with the reads: 500 keeps a chunk near a second on a loaded 2-core box.
 */
const CHUNK = 500;

/**
 * Member chunks written at once. A first run is bound by PostgreSQL's writes; two transactions use two
 * of its backends. They touch different members' rows, and each takes the run's row (its fence) only as
 * its last statement, so they wait for each other only at their commits.
 */
const WRITERS = 2;

type Manager = Pick<EntityManager, 'query'>;

/** What the run gives the applier: its fence, where outcomes go, and whether to stop early. */
export interface ApplyContext {
  /** The run applying the plan (recorded with the users it provisions). */
  runId: number;
  /**
   * The last statement of every write transaction before its counts: proves the run still holds its lease (or
   * throws LeaseLost, and the transaction rolls back) and locks the run's row until the commit, so a takeover
   * waits for that commit and a transaction that outlived the lease never commits.
   */
  fence(manager: Manager): Promise<void>;
  /** Stores item outcomes; with a manager, inside the transaction that did what they describe. */
  record(items: ItemOutcome[], manager?: Manager): Promise<void>;
  /** In a committed chunk's transaction: the rows it wrote and how many members are done. */
  committed(rowsWritten: number, membersDone: number, manager: Manager): Promise<void>;
  /** Outcomes that are final (committed, or failed for good): counted once, whatever retries happened. */
  settled(items: ItemOutcome[]): void;
  /** True once the process is shutting down: the applier stops at the next chunk boundary. */
  stopping(): boolean;
  onProgress(membersDone: number): void;
}

export interface ApplyResult {
  rowsWritten: number;
  failed: number;
  /** Members applied (or tried) before the end or an early stop. */
  membersDone: number;
  /** Stopped at a chunk boundary because the process is shutting down. */
  stoppedEarly: boolean;
}

/** A chunk done (committed, or tried member by member): its outcomes, and the members done once it is. */
interface WrittenChunk {
  chunk: MemberChange[];
  items: ItemOutcome[];
  done: number;
}

/** What one chunk of members did: rows written, and the members it could not apply (with why). */
interface ChunkResult {
  rowsWritten: number;
  refused: Map<string, string>;
}

type MemberHash = (m: DirectoryMember) => string;

/** A plan written piece by piece (see SyncApplierService.begin). */
export interface ApplySession {
  /** Department changes in one transaction. */
  departments(changes: DepartmentChange[]): Promise<void>;
  /** Member changes in chunk transactions; false once the process is shutting down (nothing more is written). */
  members(changes: MemberChange[]): Promise<boolean>;
  /** After the last piece: offboarding outcomes and NocoBase's caches; what the whole plan did. */
  end(): Promise<ApplyResult>;
}

interface MemberTotals {
  rowsWritten: number;
  failed: number;
  done: number;
  stoppedEarly: boolean;
  offboarded: ItemOutcome[];
  appliedSuspensions: MemberChange[];
  changedUsers: number[];
  /** Where the plan's next new user goes in NocoBase's user list. */
  sort: SortCursor;
}

/**
 * Writes a plan in phases, each returning what it did: departments (one transaction); sessions of
 * users about to be deleted; members in chunks of CHUNK (one transaction each, multi-row
 * statements, a failing chunk retried member by member so one bad member never stops the rest);
 * then, through NocoBase's HTTP API after the commits, the sessions of suspended users and the
 * cached copies of every user changed (SQL alone is invisible to a running NocoBase).
 */
@Injectable()
export class SyncApplierService {
  private readonly logger = new Logger(SyncApplierService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly users: NocobaseUsersRepository,
    private readonly departments: NocobaseDepartmentsRepository,
    private readonly bindings: BindingsRepository,
    private readonly mirror: DirectoryMirrorRepository,
    private readonly sessions: NocobaseSessionService,
  ) {}

  async apply(authenticator: Authenticator, plan: SyncPlan, hashOf: MemberHash, context: ApplyContext): Promise<ApplyResult> {
    const session = this.begin(authenticator, hashOf, context);
    await session.departments(plan.departments);
    await session.members(plan.members);
    return session.end();
  }

  /**
   * Writes a plan that arrives in pieces (a run planning while it reads): `departments` and
   * `members` as often as pieces come, each piece in its own chunk transactions, then `end` once:
   * sessions of suspended users, offboarding outcomes, NocoBase's caches of changed users.
   */
  begin(authenticator: Authenticator, hashOf: MemberHash, context: ApplyContext): ApplySession {
    const totals = {
      rowsWritten: 0,
      failed: 0,
      done: 0,
      stoppedEarly: false,
      offboarded: [] as ItemOutcome[],
      appliedSuspensions: [] as MemberChange[],
      changedUsers: [] as number[],
      sort: new SortCursor(),
    };
    const unended = new Map<string, string>();
    return {
      departments: async (changes) => {
        const r = await this.applyDepartments(authenticator, changes, context);
        totals.rowsWritten += r.rowsWritten;
        totals.failed += r.failed;
      },
      members: async (changes) => {
        if (totals.stoppedEarly) return false;
        // A deleted user's sessions are ended before the delete, which removes the issuedTokens rows the sign-out reads.
        for (const [userid, error] of await this.endSessions(changes.filter((c) => c.action === 'delete'))) unended.set(userid, error);
        await this.applyMembers(authenticator, changes, hashOf, context, totals);
        return !totals.stoppedEarly;
      },
      end: async () => {
        const result: ApplyResult = { rowsWritten: totals.rowsWritten, failed: totals.failed, membersDone: totals.done, stoppedEarly: totals.stoppedEarly };
        // Offboarding outcomes are recorded last: ending the sessions of suspended users can still fail them.
        for (const [userid, error] of await this.endSessions(totals.appliedSuspensions)) unended.set(userid, error);
        for (const item of totals.offboarded) {
          const error = item.outcome === 'applied' ? unended.get(item.key) : undefined;
          if (!error) continue;
          item.outcome = 'failed';
          item.error = `offboarded, but NocoBase sessions were not ended: ${error}`;
          result.failed += 1;
        }
        await context.record(totals.offboarded);
        context.settled(totals.offboarded);

        const refreshed = await this.sessions.refreshCached(totals.changedUsers);
        if (refreshed.failed) {
          this.logger.warn(
            `${refreshed.failed} of ${totals.changedUsers.length} changed users may show stale data in NocoBase until its cache expires (NOCOBASE_URL unset or unreachable)`,
          );
        }
        return result;
      },
    };
  }

  /** Phase 1: every department change in one transaction (a tree is consistent or untouched). */
  private async applyDepartments(
    authenticator: Authenticator,
    all: DepartmentChange[],
    context: ApplyContext,
  ): Promise<{ rowsWritten: number; failed: number }> {
    const changed = all.filter((d) => d.action !== 'unchanged');
    if (!this.departments.available || !changed.length) return { rowsWritten: 0, failed: 0 };
    try {
      const rowsWritten = await this.transactions.run(async (manager) => {
        const written = await this.writeDepartments(authenticator, changed, manager);
        await context.record(
          changed.map((d) => departmentItem(d, 'applied', null)),
          manager,
        );
        await seal(context, manager, written, 0);
        return written;
      });
      context.settled(changed.map((d) => departmentItem(d, 'applied', null)));
      return { rowsWritten, failed: 0 };
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      this.logger.error(`department changes failed for ${authenticator.name}`, (error as Error).stack);
      const failed = changed.map((d) => departmentItem(d, 'failed', (error as Error).message));
      await context.record(failed);
      context.settled(failed);
      return { rowsWritten: 0, failed: changed.length };
    }
  }

  private async writeDepartments(authenticator: Authenticator, changes: DepartmentChange[], manager: EntityManager): Promise<number> {
    let written = 0;
    const creates = changes.filter((d) => d.action === 'create');
    const updates = changes.filter((d) => d.action === 'update' || d.action === 'move');
    const deletes = changes.filter((d) => d.action === 'delete');
    const rows = (list: DepartmentChange[]) => list.map((d) => ({ id: d.nocobaseId, title: d.title, parentId: d.parentNocobaseId }));
    written += await this.departments.insertDepartments(rows(creates), manager);
    written += await this.departments.updateDepartments(rows(updates), manager);
    written += await this.mirror.upsertDepartmentMap(
      authenticator.id,
      [...creates, ...updates].map((d) => ({ wecomId: d.wecomId, nocobaseId: d.nocobaseId, title: d.title, parentNocobaseId: d.parentNocobaseId })),
      manager,
    );
    const moved = [...creates, ...updates.filter((d) => d.action === 'move')].map((d) => d.nocobaseId);
    written += await this.departments.rebuildTreePaths(moved, manager);
    const deletedIds = deletes.map((d) => d.nocobaseId);
    written += await this.mirror.removeMembershipsOfDepartments(authenticator.id, deletedIds, manager);
    written += await this.departments.deleteDepartments(deletedIds, manager);
    written += await this.mirror.deleteDepartmentMap(
      authenticator.id,
      deletes.map((d) => d.wecomId),
      manager,
    );
    // Leaf flags of everything touched and of every parent (old or new) around it.
    const touched = new Set([...changes.map((d) => d.nocobaseId), ...changes.map((d) => d.parentNocobaseId).filter((p): p is string => p !== null)]);
    written += await this.departments.refreshLeafFlags(
      [...touched].filter((id) => !deletedIds.includes(id)),
      manager,
    );
    return written;
  }

  /**
   * Phase 2: members, CHUNK at a time and WRITERS chunks at once, each chunk committed together with its item
   * outcomes and its count in the run's row; a chunk that fails is retried member by member. Outcomes are
   * counted in chunk order. Stops at a chunk boundary when the process shuts down (chunks in flight finish).
   */
  private async applyMembers(authenticator: Authenticator, all: MemberChange[], hashOf: MemberHash, context: ApplyContext, out: MemberTotals): Promise<void> {
    const members = all.filter((c) => isRecorded(c) || c.mirror);
    const doneBefore = out.done;
    const inFlight: Promise<WrittenChunk>[] = [];
    try {
      for (let i = 0; i < members.length; i += CHUNK) {
        if (context.stopping()) {
          out.stoppedEarly = true;
          break;
        }
        const chunk = members.slice(i, i + CHUNK);
        // Awaited in order below; one that fails meanwhile is not an unhandled rejection.
        inFlight.push(settledLater(this.writeChunk(authenticator, chunk, hashOf, context, doneBefore + i + chunk.length, out)));
        if (inFlight.length >= WRITERS) this.count(await inFlight.shift()!, context, out);
      }
      while (inFlight.length) this.count(await inFlight.shift()!, context, out);
    } finally {
      // A lease lost by one chunk: the other ends (and rolls back at its own fence) before the error goes up.
      await Promise.allSettled(inFlight);
    }
  }

  /** One chunk in one transaction, or member by member when the chunk as a whole fails. */
  private async writeChunk(
    authenticator: Authenticator,
    chunk: MemberChange[],
    hashOf: MemberHash,
    context: ApplyContext,
    done: number,
    out: MemberTotals,
  ): Promise<WrittenChunk> {
    try {
      const { items, rowsWritten } = await this.transactions.run(async (manager) => {
        const written = await this.writeMembers(authenticator, chunk, hashOf, context.runId, out.sort, manager);
        const outcomes = chunk.filter((c) => isRecorded(c) || written.refused.has(c.wecomUserid)).map((c) => outcomeOf(c, written.refused));
        await context.record(
          outcomes.filter((item) => !isOffboarding(item)),
          manager,
        );
        await seal(context, manager, written.rowsWritten, done);
        return { items: outcomes, rowsWritten: written.rowsWritten };
      });
      // Counted once committed: a commit that fails sends the chunk member by member, which counts its own rows.
      out.rowsWritten += rowsWritten;
      return { chunk, items, done };
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      return { chunk, items: await this.applyOneByOne(authenticator, chunk, hashOf, context, done, out), done };
    }
  }

  /** A written chunk's outcomes into the run's totals: failures, users changed, offboarding, progress. */
  private count({ chunk, items, done }: WrittenChunk, context: ApplyContext, out: MemberTotals): void {
    const failed = new Set(items.filter((item) => item.outcome === 'failed').map((item) => item.key));
    out.failed += failed.size;
    for (const change of chunk) {
      if (failed.has(change.wecomUserid) || change.nocobaseUserId === null) continue;
      if (['update', 'rebind', 'restore', 'suspend', 'delete'].includes(change.action)) out.changedUsers.push(change.nocobaseUserId);
      if (change.action === 'suspend') out.appliedSuspensions.push(change);
    }
    out.offboarded.push(...items.filter(isOffboarding));
    context.settled(items.filter((item) => !isOffboarding(item)));
    out.done = done;
    context.onProgress(done);
  }

  /** A chunk that failed as a whole, applied one member per transaction to find the culprit. */
  private async applyOneByOne(
    authenticator: Authenticator,
    chunk: MemberChange[],
    hashOf: MemberHash,
    context: ApplyContext,
    done: number,
    out: Pick<MemberTotals, 'rowsWritten' | 'sort'>,
  ): Promise<ItemOutcome[]> {
    const items: ItemOutcome[] = [];
    for (const change of chunk) {
      try {
        const { item, rowsWritten } = await this.transactions.run(async (manager) => {
          const written = await this.writeMembers(authenticator, [change], hashOf, context.runId, out.sort, manager);
          const outcome = isRecorded(change) || written.refused.size ? outcomeOf(change, written.refused) : null;
          if (outcome && !isOffboarding(outcome)) await context.record([outcome], manager);
          await seal(context, manager, written.rowsWritten, done);
          return { item: outcome, rowsWritten: written.rowsWritten };
        });
        out.rowsWritten += rowsWritten;
        if (item) items.push(item);
      } catch (error) {
        if (error instanceof LeaseLost) throw error;
        const item = memberItem(change, 'failed', (error as Error).message);
        if (!isOffboarding(item)) await context.record([item]);
        items.push(item);
      }
    }
    return items;
  }

  /** One chunk in one transaction: new users, fields and memberships, offboarding and restores, the mirror. */
  private async writeMembers(
    authenticator: Authenticator,
    chunk: MemberChange[],
    hashOf: MemberHash,
    runId: number,
    sort: SortCursor,
    manager: EntityManager,
  ): Promise<ChunkResult> {
    const result: ChunkResult = { rowsWritten: 0, refused: new Map() };
    result.rowsWritten += await this.provision(authenticator, chunk, runId, result.refused, sort, manager);
    const applicable = chunk.filter((c) => !result.refused.has(c.wecomUserid));
    result.rowsWritten += await this.writeFieldsAndMemberships(authenticator, applicable, manager);
    result.rowsWritten += await this.offboardAndRestore(applicable, result.refused, manager);
    result.rowsWritten += await this.writeMirror(authenticator, chunk, hashOf, manager);
    return result;
  }

  /**
   * New users for members planned as `create`, and orphaned users bound again (`rebind`). Bindings go
   * in first, yielding to a binding a login made since the plan: that member is refused here, and no
   * user is created for it. Each new user is recorded as provisioned for its member, and is inserted with its
   * main department (the memberships that make it one follow in the same transaction).
   */
  private async provision(
    authenticator: Authenticator,
    chunk: MemberChange[],
    runId: number,
    refused: Map<string, string>,
    sort: SortCursor,
    manager: EntityManager,
  ): Promise<number> {
    const creates = chunk.filter((c) => c.action === 'create');
    const rebinds = chunk.filter((c) => c.action === 'rebind');
    if (!creates.length && !rebinds.length) return 0;
    const ids = await this.users.allocateIds(creates.length, manager);
    creates.forEach((c, i) => (c.nocobaseUserId = ids[i]));
    const binding = (c: MemberChange) => ({ wecomUserid: c.wecomUserid, nocobaseUserId: c.nocobaseUserId!, phone: c.changes.phone?.[1] ?? null });
    const bound = await this.bindings.insertFromSync(authenticator.id, [...creates, ...rebinds].map(binding), manager);
    for (const change of [...creates, ...rebinds].filter((c) => !bound.has(c.wecomUserid))) {
      refused.set(change.wecomUserid, 'bound by a login while this run was applying; the next run brings it in step');
      change.nocobaseUserId = null;
    }
    const created = creates.filter((c) => bound.has(c.wecomUserid));
    let written = bound.size;
    written += await this.users.insertUsers(
      created.map((c) => ({
        id: c.nocobaseUserId!,
        nickname: c.changes.nickname?.[1] ?? c.wecomUserid,
        phone: c.changes.phone?.[1] ?? null,
        email: c.changes.email?.[1] ?? null,
        mainDepartmentId: c.changes.mainDepartmentId?.[1] ?? null,
      })),
      manager,
      sort,
    );
    written += await this.bindings.recordProvisioned(authenticator.id, created.map(binding), runId, manager);
    return written;
  }

  /** Changed fields, then memberships in managed departments (NocoBase wants the main department to be one of them). */
  private async writeFieldsAndMemberships(authenticator: Authenticator, chunk: MemberChange[], manager: EntityManager): Promise<number> {
    let written = 0;
    const updates: UserFieldsUpdate[] = [];
    for (const change of chunk) {
      if (change.nocobaseUserId === null || !['create', 'rebind', 'update', 'restore'].includes(change.action)) continue;
      const row: UserFieldsUpdate = { id: change.nocobaseUserId };
      for (const field of ['nickname', 'email', 'phone', 'mainDepartmentId'] as const) {
        // A new user was inserted with all of them already.
        if (change.changes[field] && change.action !== 'create') row[field] = change.changes[field]![1];
      }
      if (Object.keys(row).length > 1) updates.push(row);
    }
    const withUser = chunk.filter((c) => c.nocobaseUserId !== null);
    const adds = withUser.flatMap((c) =>
      c.addMemberships.map((x) => ({ nocobaseDepartmentId: x.nocobaseDepartmentId, nocobaseUserId: c.nocobaseUserId!, isOwner: x.isOwner })),
    );
    const removes = withUser.flatMap((c) => c.removeMemberships.map((d) => ({ nocobaseDepartmentId: d, nocobaseUserId: c.nocobaseUserId! })));
    if (this.departments.available) {
      written += await this.departments.upsertMemberships(
        adds.map((x) => ({ departmentId: x.nocobaseDepartmentId, userId: x.nocobaseUserId, isOwner: x.isOwner })),
        manager,
      );
      written += await this.mirror.addMemberships(authenticator.id, adds, manager);
      written += await this.departments.deleteMemberships(
        removes.map((x) => ({ departmentId: x.nocobaseDepartmentId, userId: x.nocobaseUserId })),
        manager,
      );
      written += await this.mirror.removeMemberships(authenticator.id, removes, manager);
    } else {
      for (const u of updates) delete u.mainDepartmentId;
    }
    written += await this.users.updateUsers(updates, manager);
    return written;
  }

  /**
   * Suspend (roles withdrawn and remembered), restore (roles given back) and delete. Each acts only
   * if the binding still points at the user it was planned against; otherwise the member is refused.
   */
  private async offboardAndRestore(chunk: MemberChange[], refused: Map<string, string>, manager: EntityManager): Promise<number> {
    let written = 0;
    for (const change of chunk) {
      const binding = change.binding;
      if (!binding || change.nocobaseUserId === null || !['suspend', 'restore', 'delete'].includes(change.action)) continue;
      const planned = [{ id: binding.id, nocobaseUserId: change.nocobaseUserId }];
      const changed =
        change.action === 'delete'
          ? await this.bindings.deletePlanned(planned, manager)
          : await this.bindings.setSuspended(planned, change.action === 'suspend', manager);
      if (!changed) {
        refused.set(change.wecomUserid, 'its binding changed while this run was applying (unbound or bound again); the next run brings it in step');
        continue;
      }
      written += changed;
      if (change.action === 'suspend') {
        const roles = (await this.users.rolesOf(change.nocobaseUserId, manager)) ?? [];
        await this.bindings.rememberSuspendedRoles(binding.id, roles, manager);
        written += await this.users.removeRoles(change.nocobaseUserId, roles, manager);
      } else if (change.action === 'restore') {
        written += await this.users.addRoles(change.nocobaseUserId, await this.bindings.takeSuspendedRoles(binding.id, manager), manager);
      } else {
        written += await this.users.deleteUsers([change.nocobaseUserId], manager);
      }
    }
    return written;
  }

  /** The mirror rows of members whose WeCom data or offboarded flag changed; forgotten and deleted members leave it. */
  private async writeMirror(authenticator: Authenticator, chunk: MemberChange[], hashOf: MemberHash, manager: EntityManager): Promise<number> {
    const offboarded = (c: MemberChange) => c.action === 'suspend' || c.action === 'delete' || (c.action !== 'restore' && Boolean(c.binding?.suspended));
    let written = await this.mirror.upsertMirror(
      authenticator.id,
      chunk.filter((c) => c.mirror && c.member).map((c) => ({ member: c.member!, hash: hashOf(c.member!), offboarded: offboarded(c) })),
      manager,
    );
    written += await this.mirror.forgetMirror(
      authenticator.id,
      chunk.filter((c) => c.action === 'forget' || c.action === 'delete').map((c) => c.wecomUserid),
      manager,
    );
    return written;
  }

  /** Ends every session of these members' users; returns the ones that failed, with why. */
  private async endSessions(changes: MemberChange[]): Promise<Map<string, string>> {
    const failures = new Map<string, string>();
    for (const change of changes) {
      if (change.nocobaseUserId === null) continue;
      try {
        const revoked = await this.sessions.revokeAll(change.nocobaseUserId);
        if (revoked.failed) throw new Error(`${revoked.failed} of ${revoked.failed + revoked.revoked} sessions could not be ended`);
      } catch (error) {
        failures.set(change.wecomUserid, (error as Error).message);
      }
    }
    return failures;
  }
}

/**
 * The last statements of every write transaction: the fence (the run still holds its lease, or LeaseLost and the
 * transaction rolls back), then what it wrote counted into the run's row.
 */
async function seal(context: ApplyContext, manager: Manager, rowsWritten: number, membersDone: number): Promise<void> {
  await context.fence(manager);
  await context.committed(rowsWritten, membersDone, manager);
}

/** Offboarding outcomes are recorded last: ending the sessions of suspended users can still fail them. */
const isOffboarding = (item: ItemOutcome) => item.action === 'suspend' || item.action === 'delete';

function outcomeOf(c: MemberChange, refused: Map<string, string>): ItemOutcome {
  const why = refused.get(c.wecomUserid);
  return why === undefined ? memberItem(c, 'applied', null) : memberItem(c, 'failed', why);
}
