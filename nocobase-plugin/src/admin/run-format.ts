/** How the settings page words runs, durations and counts: pure, so the unit spec pins them. */

export interface RunCounts {
  departments?: Record<string, number>;
  members?: Record<string, number>;
  conflicts?: number;
  failed?: number;
}

export interface RunView {
  id: number;
  authenticator: string | null;
  trigger: string;
  dryRun: boolean;
  force: boolean;
  status: 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'aborted';
  phase: string | null;
  /** done/total: members handled of those read so far; read: departments read of all (absent on older bridges). */
  progress: { done: number; total: number; read?: { done: number; total: number } };
  counts: RunCounts;
  apiCalls: number;
  rowsWritten: number;
  error: { code: string | null; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export const ACTIVE_STATUSES: ReadonlyArray<RunView['status']> = ['queued', 'running'];

export function isActive(run: Pick<RunView, 'status'>): boolean {
  return ACTIVE_STATUSES.includes(run.status);
}

/** 850 ms, 12.4 s, 3 min 05 s. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Local date and time to the second, as an administrator compares it with their clock. */
export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * Percent done, or null while nothing says how much there is. A run reads WeCom department by department and writes
 * as it reads, so the share of departments read is its progress; members handled only ever trail the members read.
 */
export function progressPercent(run: Pick<RunView, 'progress' | 'status'>): number | null {
  if (!isActive(run)) return 100;
  const { done, total } = run.progress.read?.total ? run.progress.read : run.progress;
  return total > 0 ? Math.min(99, Math.floor((done / total) * 100)) : null;
}

/** The non-zero counts, members first: "members create 3", "departments update 1", "conflicts 2"… */
export function countEntries(counts: RunCounts): Array<{ kind: 'members' | 'departments' | 'conflicts' | 'failed'; action: string; n: number }> {
  const out: Array<{ kind: 'members' | 'departments' | 'conflicts' | 'failed'; action: string; n: number }> = [];
  for (const kind of ['members', 'departments'] as const) {
    for (const [action, n] of Object.entries(counts[kind] ?? {})) if (n > 0 && action !== 'unchanged') out.push({ kind, action, n });
  }
  if (counts.conflicts) out.push({ kind: 'conflicts', action: 'conflict', n: counts.conflicts });
  if (counts.failed) out.push({ kind: 'failed', action: 'failed', n: counts.failed });
  return out;
}

/** Everything a run changed or would change (unchanged members and departments not counted). */
export function changeTotal(counts: RunCounts): number {
  return countEntries(counts)
    .filter((e) => e.kind === 'members' || e.kind === 'departments')
    .reduce((sum, e) => sum + e.n, 0);
}

/** A run the mass-offboarding guard stopped: "Run anyway" applies it with force. */
export function stoppedByGuard(run: Pick<RunView, 'status' | 'error'>): boolean {
  return run.status === 'aborted' && run.error?.code === 'OFFBOARDING_THRESHOLD';
}

export interface RunItemView {
  id: number;
  kind: 'department' | 'member';
  key: string;
  action: string;
  outcome: 'planned' | 'applied' | 'failed';
  reason: string;
  changes: unknown;
  error: string | null;
}

const show = (v: unknown) => (v === null || v === undefined || v === '' ? '∅' : JSON.stringify(v));

/** An item's before → after values, one line each, as recorded by the run. */
export function describeChanges(item: Pick<RunItemView, 'kind' | 'changes'>): string[] {
  const c = (item.changes ?? {}) as Record<string, unknown>;
  if (item.kind === 'department') {
    return [c.title !== undefined ? `title ${show(c.title)}` : null, c.parentNocobaseId ? `parent #${c.parentNocobaseId}` : null].filter(
      (x): x is string => !!x,
    );
  }
  const lines: string[] = [];
  for (const [field, pair] of Object.entries((c.fields ?? {}) as Record<string, [unknown, unknown]>))
    lines.push(`${field}: ${show(pair[0])} → ${show(pair[1])}`);
  const added = (c.addMemberships ?? []) as Array<{ nocobaseDepartmentId: string }>;
  const removed = (c.removeMemberships ?? []) as string[];
  if (added.length) lines.push(`+ departments ${added.map((m) => `#${m.nocobaseDepartmentId}`).join(', ')}`);
  if (removed.length) lines.push(`− departments ${removed.map((id) => `#${id}`).join(', ')}`);
  for (const conflict of (c.conflicts ?? []) as string[]) lines.push(`conflict: ${conflict}`);
  return lines;
}
