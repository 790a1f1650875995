import type { SyncRun } from './sync-runs.repository';

/** A run as the admin API and the CLI's --json show it. */
export function toRunView(r: SyncRun, authenticator: string | null) {
  return {
    id: r.id,
    authenticator,
    trigger: r.trigger,
    dryRun: r.dryRun,
    force: r.force,
    status: r.status,
    phase: r.phase,
    /** done/total: members handled (of those read so far while reading); read: departments read of all. */
    progress: { done: r.progressDone, total: r.progressTotal, read: { done: r.readDone, total: r.readTotal } },
    counts: r.counts,
    apiCalls: r.apiCalls,
    rowsWritten: r.rowsWritten,
    error: r.error ? { code: r.errorCode, message: r.error } : null,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.startedAt && r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
  };
}
