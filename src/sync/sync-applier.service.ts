import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Authenticator } from '../auth/authenticator';
import { NocobaseSessionService } from '../nocobase/nocobase-session.service';
import { NocobaseUsersRepository } from '../users/nocobase-users.repository';
import { NocobaseDirectoryRepository, type UserFieldsUpdate } from './nocobase-directory.repository';
import { SyncStateRepository } from './sync-state.repository';
import { isRecorded } from './sync-planner';
import type { DepartmentChange, MemberChange, SyncPlan } from './sync-plan.types';

const CHUNK = 1000;

export interface ItemOutcome {
  kind: 'department' | 'member';
  key: string;
  action: string;
  reason: string;
  changes: unknown;
  /** planned: a dry run or an aborted run, where nothing is written. */
  outcome: 'planned' | 'applied' | 'failed';
  error: string | null;
}

export interface ApplyResult {
  rowsWritten: number;
  failed: number;
}

/** Receives outcomes as they happen, so a 100,000-member run never holds them all. */
export type ItemRecorder = (items: ItemOutcome[]) => Promise<void>;

/**
 * Writes a plan: departments in one transaction, then members in chunks of CHUNK items, each
 * chunk one transaction of multi-row statements. A failing chunk is retried item by item so
 * one bad member is recorded as failed and never stops the rest. Ending sessions goes through
 * NocoBase's HTTP API after the commit (SQL alone is invisible to a running NocoBase).
 */
@Injectable()
export class SyncApplierService {
  private readonly logger = new Logger(SyncApplierService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly directory: NocobaseDirectoryRepository,
    private readonly state: SyncStateRepository,
    private readonly users: NocobaseUsersRepository,
    private readonly sessions: NocobaseSessionService,
  ) {}

  async apply(
    a: Authenticator,
    plan: SyncPlan,
    hashOf: (m: NonNullable<MemberChange['member']>) => string,
    onProgress: (done: number) => void,
    record: ItemRecorder,
  ): Promise<ApplyResult> {
    const result: ApplyResult = { rowsWritten: 0, failed: 0 };
    // Offboarding outcomes wait until their sessions are ended (which can still fail them).
    const offboarded: ItemOutcome[] = [];
    const recordMembers = async (items: ItemOutcome[]) => {
      offboarded.push(...items.filter((i) => i.action === 'suspend' || i.action === 'delete'));
      await record(items.filter((i) => i.action !== 'suspend' && i.action !== 'delete'));
    };
    if (this.directory.departmentsAvailable) {
      const changed = plan.departments.filter((d) => d.action !== 'unchanged');
      if (changed.length) {
        try {
          result.rowsWritten += await this.dataSource.transaction((m) => this.applyDepartments(a, changed, m));
          await record(changed.map((d) => departmentItem(d, 'applied', null)));
        } catch (error) {
          this.logger.error(`department changes failed for ${a.name}`, (error as Error).stack);
          await record(changed.map((d) => departmentItem(d, 'failed', (error as Error).message)));
          result.failed += changed.length;
        }
      }
    }

    // A deleted user's sessions are ended first: deleting the user also deletes the issuedTokens
    // rows the sign-out reads. A suspended user's sessions end after the commit (see endSessions).
    const unended = await this.endSessionsOf(plan.members.filter((c) => c.action === 'delete'));
    const members = plan.members.filter((m) => isRecorded(m) || m.mirror);
    // Existing users whose rows changed: NocoBase must drop its cached copies (see refreshCached).
    const touched: number[] = [];
    const touch = (c: MemberChange) => {
      if (c.userId !== null && ['update', 'restore', 'suspend', 'delete'].includes(c.action)) touched.push(c.userId);
    };
    let done = 0;
    for (let i = 0; i < members.length; i += CHUNK) {
      const chunk = members.slice(i, i + CHUNK);
      try {
        result.rowsWritten += await this.dataSource.transaction((m) => this.applyMembers(a, chunk, hashOf, m));
        chunk.forEach(touch);
        await recordMembers(chunk.filter(isRecorded).map((c) => memberItem(c, 'applied', null)));
      } catch {
        // Find the culprit: apply the chunk one member at a time.
        const items: ItemOutcome[] = [];
        for (const change of chunk) {
          try {
            result.rowsWritten += await this.dataSource.transaction((m) => this.applyMembers(a, [change], hashOf, m));
            touch(change);
            if (isRecorded(change)) items.push(memberItem(change, 'applied', null));
          } catch (error) {
            result.failed += 1;
            items.push(memberItem(change, 'failed', (error as Error).message));
          }
        }
        await recordMembers(items);
      }
      done += chunk.length;
      onProgress(done);
    }

    await this.endSessions(plan, offboarded, unended, result);
    await record(offboarded);
    const refreshed = await this.sessions.refreshCached(touched);
    if (refreshed.failed) {
      this.logger.warn(`${refreshed.failed} of ${touched.length} changed users may show stale data in NocoBase until its cache expires (NOCOBASE_URL unset or unreachable)`);
    }
    return result;
  }

  private async applyDepartments(a: Authenticator, changes: DepartmentChange[], m: EntityManager): Promise<number> {
    let written = 0;
    const creates = changes.filter((d) => d.action === 'create');
    const updates = changes.filter((d) => d.action === 'update' || d.action === 'move');
    const deletes = changes.filter((d) => d.action === 'delete');
    const rows = (list: DepartmentChange[]) => list.map((d) => ({ id: d.nocobaseId, title: d.title, parentId: d.parentNocobaseId }));
    written += await this.directory.insertDepartments(rows(creates), m);
    written += await this.directory.updateDepartments(rows(updates), m);
    written += await this.state.upsertDepartmentMap(
      a.id,
      [...creates, ...updates].map((d) => ({ wecomId: d.wecomId, nocobaseId: d.nocobaseId, title: d.title, parentNocobaseId: d.parentNocobaseId })),
      m,
    );
    const moved = [...creates, ...updates.filter((d) => d.action === 'move')].map((d) => d.nocobaseId);
    written += await this.directory.rebuildTreePaths(moved, m);
    const deletedIds = deletes.map((d) => d.nocobaseId);
    written += await this.state.removeMembershipsOfDepartments(a.id, deletedIds, m);
    written += await this.directory.deleteDepartments(deletedIds, m);
    written += await this.state.deleteDepartmentMap(a.id, deletes.map((d) => d.wecomId), m);
    // Leaf flags of everything touched and of every parent (old or new) around it.
    const touched = new Set([...changes.map((d) => d.nocobaseId), ...changes.map((d) => d.parentNocobaseId).filter((p): p is string => p !== null)]);
    written += await this.directory.refreshLeafFlags([...touched].filter((id) => !deletedIds.includes(id)), m);
    return written;
  }

  private async applyMembers(
    a: Authenticator,
    chunk: MemberChange[],
    hashOf: (m: NonNullable<MemberChange['member']>) => string,
    m: EntityManager,
  ): Promise<number> {
    let written = 0;
    const creates = chunk.filter((c) => c.action === 'create');
    if (creates.length) {
      const ids = await this.directory.allocateUserIds(creates.length, m);
      creates.forEach((c, i) => (c.userId = ids[i]));
      const role = await this.users.defaultRoleName(m);
      written += await this.directory.insertUsers(
        creates.map((c) => ({
          id: c.userId!,
          nickname: c.changes.nickname?.[1] ?? c.userid,
          phone: c.changes.phone?.[1] ?? null,
          email: c.changes.email?.[1] ?? null,
          mainDepartmentId: null,
        })),
        role,
        m,
      );
      written += await this.state.insertSyncBindings(a.id, creates.map((c) => ({ userid: c.userid, userId: c.userId!, phone: c.changes.phone?.[1] ?? null })), m);
    }

    const updates: UserFieldsUpdate[] = [];
    for (const c of chunk) {
      if (c.userId === null || !['create', 'update', 'restore'].includes(c.action)) continue;
      const row: UserFieldsUpdate = { id: c.userId };
      for (const field of ['nickname', 'email', 'phone', 'mainDepartmentId'] as const) {
        if (c.changes[field] && (c.action !== 'create' || field === 'mainDepartmentId')) row[field] = c.changes[field]![1];
      }
      if (Object.keys(row).length > 1) updates.push(row);
    }

    // Memberships before mainDepartmentId: NocoBase requires the main department to be one of them.
    const adds = chunk.flatMap((c) => (c.userId === null ? [] : c.addMemberships.map((x) => ({ departmentId: x.nocobaseDepartmentId, userId: c.userId!, isOwner: x.isOwner }))));
    const removes = chunk.flatMap((c) => (c.userId === null ? [] : c.removeMemberships.map((d) => ({ departmentId: d, userId: c.userId! }))));
    if (this.directory.departmentsAvailable) {
      written += await this.directory.upsertMemberships(adds, m);
      written += await this.state.addMemberships(a.id, adds.map((x) => ({ nocobaseDepartmentId: x.departmentId, userId: x.userId, isOwner: x.isOwner })), m);
      written += await this.directory.deleteMemberships(removes, m);
      written += await this.state.removeMemberships(a.id, removes.map((x) => ({ nocobaseDepartmentId: x.departmentId, userId: x.userId })), m);
    } else {
      for (const u of updates) delete u.mainDepartmentId;
    }
    written += await this.directory.updateUsers(updates, m);

    for (const c of chunk) {
      const binding = c.binding;
      if (c.action === 'suspend' && binding && c.userId !== null) {
        const roles = await this.directory.rolesOf(c.userId, m);
        await this.state.rememberSuspendedRoles(binding.id, roles, m);
        written += await this.directory.removeRoles(c.userId, roles, m);
        written += await this.state.setSuspended([binding.id], true, m);
      } else if (c.action === 'restore' && binding && c.userId !== null) {
        written += await this.directory.addRoles(c.userId, await this.state.takeSuspendedRoles(binding.id, m), m);
        written += await this.state.setSuspended([binding.id], false, m);
      } else if (c.action === 'delete' && binding && c.userId !== null) {
        written += await this.directory.deleteUsers([c.userId], m);
        written += await this.state.deleteBindings([binding.id], m);
      }
    }

    const offboarded = (c: MemberChange) => c.action === 'suspend' || c.action === 'delete' || (c.action !== 'restore' && Boolean(c.binding?.suspended));
    written += await this.state.upsertMirror(
      a.id,
      chunk.filter((c) => c.mirror && c.member).map((c) => ({ member: c.member!, hash: hashOf(c.member!), offboarded: offboarded(c) })),
      m,
    );
    written += await this.state.forgetMirror(a.id, chunk.filter((c) => c.action === 'forget' || c.action === 'delete').map((c) => c.userid), m);
    return written;
  }

  /** Suspended and deleted users lose their NocoBase sessions at once, through NocoBase's API. */
  private async endSessions(plan: SyncPlan, items: ItemOutcome[], unended: Map<string, string>, result: ApplyResult): Promise<void> {
    const applied = new Set(items.filter((i) => i.outcome === 'applied' && i.action === 'suspend').map((i) => i.key));
    for (const [userid, error] of await this.endSessionsOf(plan.members.filter((c) => applied.has(c.userid)))) unended.set(userid, error);
    for (const item of items) {
      const error = item.outcome === 'applied' ? unended.get(item.key) : undefined;
      if (!error) continue;
      item.outcome = 'failed';
      item.error = `offboarded, but NocoBase sessions were not ended: ${error}`;
      result.failed += 1;
    }
  }

  /** Ends every session of these members' users; returns the ones that failed, with why. */
  private async endSessionsOf(changes: MemberChange[]): Promise<Map<string, string>> {
    const failures = new Map<string, string>();
    for (const c of changes) {
      if (c.userId === null) continue;
      try {
        const revoked = await this.sessions.revokeAll(c.userId);
        if (revoked.failed) throw new Error(`${revoked.failed} of ${revoked.failed + revoked.revoked} sessions could not be ended`);
      } catch (error) {
        failures.set(c.userid, (error as Error).message);
      }
    }
    return failures;
  }
}

function departmentItem(d: DepartmentChange, outcome: 'applied' | 'failed', error: string | null): ItemOutcome {
  return { kind: 'department', key: String(d.wecomId), action: d.action, reason: d.reason, changes: { title: d.title, parentNocobaseId: d.parentNocobaseId }, outcome, error };
}

function memberItem(c: MemberChange, outcome: 'applied' | 'failed', error: string | null): ItemOutcome {
  return {
    kind: 'member',
    key: c.userid,
    action: c.action,
    reason: c.reason,
    changes: { fields: c.changes, addMemberships: c.addMemberships, removeMemberships: c.removeMemberships, conflicts: c.conflicts },
    outcome,
    error,
  };
}
