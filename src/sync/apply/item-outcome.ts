import type { DepartmentChange, MemberChange } from '../plan/sync-plan.types';

/** One recorded item of a run: what was planned for a department or member and what became of it. */
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

/** Receives outcomes as they happen, so a 100,000-member run never holds them all. */
export type ItemRecorder = (items: ItemOutcome[]) => Promise<void>;

export function departmentItem(d: DepartmentChange, outcome: ItemOutcome['outcome'], error: string | null): ItemOutcome {
  return {
    kind: 'department',
    key: String(d.wecomId),
    action: d.action,
    reason: d.reason,
    changes: { title: d.title, parentNocobaseId: d.parentNocobaseId },
    outcome,
    error,
  };
}

export function memberItem(c: MemberChange, outcome: ItemOutcome['outcome'], error: string | null): ItemOutcome {
  return {
    kind: 'member',
    key: c.wecomUserid,
    action: c.action,
    reason: c.reason,
    changes: { fields: c.changes, addMemberships: c.addMemberships, removeMemberships: c.removeMemberships, conflicts: c.conflicts },
    outcome,
    error,
  };
}
