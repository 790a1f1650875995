import { SingleBar } from 'cli-progress';
import type { SyncRun, SyncRunsRepository } from './sync-runs.repository';

/** How a terminal follows a sync run (the CLI and the demo). */

/** Redraws a bar from the run row (so it also follows a run another replica is doing). */
export async function withProgressBar(runs: SyncRunsRepository, runId: number, done: Promise<SyncRun>): Promise<SyncRun> {
  const bar = new SingleBar({ format: '{phase} [{bar}] {value}/{total} · {apiCalls} WeCom calls', hideCursor: true, clearOnComplete: true });
  bar.start(1, 0, { phase: 'queued', apiCalls: 0 });
  const timer = setInterval(async () => {
    const r = await runs.findById(runId).catch(() => null);
    if (!r) return;
    bar.setTotal(Math.max(r.progressTotal, 1));
    bar.update(r.progressDone, { phase: (r.phase ?? r.status).padEnd(5), apiCalls: r.apiCalls });
  }, 200);
  try {
    return await done;
  } finally {
    clearInterval(timer);
    bar.stop();
  }
}

export function printSummary(r: SyncRun): void {
  const rows: [string, string | number][] = [
    ['run', `${r.id} (${r.trigger}${r.dryRun ? ', dry run' : ''}${r.force ? ', forced' : ''})`],
    ['status', r.status],
  ];
  for (const [group, counts] of Object.entries({ departments: r.counts.departments ?? {}, members: r.counts.members ?? {} })) {
    for (const [action, n] of Object.entries(counts as Record<string, number>)) if (n) rows.push([`${group}: ${action}`, n]);
  }
  rows.push(['conflicts', r.counts.conflicts ?? 0], ['failed items', r.counts.failed ?? 0], ['WeCom calls', r.apiCalls], ['rows written', r.rowsWritten]);
  if (r.startedAt && r.finishedAt) rows.push(['seconds', ((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(1)]);
  if (r.error) rows.push(['error', `${r.errorCode}: ${r.error}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  if (r.dryRun || r.status === 'aborted') console.log(`\nper-item changes: GET /api/admin/sync-runs/${r.id}`);
}
