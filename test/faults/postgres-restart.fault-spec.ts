import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { NocobaseSchemaIntrospector } from '../../src/nocobase/schema/nocobase-schema.introspector';
import { applying, cleanRunFingerprint, fleet, finished, runOf, trigger, until } from '../utils/fleet';
import { syncFingerprint } from '../utils/sync-fingerprint';
import { testConfig } from '../utils/test-config';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';

/**
 * Restarts the PostgreSQL server the tests run on, in the middle of a sync: it must run alone
 * (`npm run test:faults`, which CI runs after every other suite), as root, on a Debian cluster.
 */
function restartPostgres(): void {
  const version = readdirSync('/etc/postgresql')[0];
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { stdio: 'inherit' });
}

/** The test's own pool lost its connections too: retry a query until the server answers again. */
async function query<T>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T[]> {
  return until('PostgreSQL to answer again', () => db.query<T>(sql, params).catch(() => null), 60_000);
}

describe('a PostgreSQL restart in the middle of a sync, with two replicas', () => {
  let emu: WecomEmulator;
  let db: TestDatabase;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, members: 20_000, departments: 200, seed: 29 });
  }, 120_000);
  afterAll(async () => {
    await emu?.close();
    await db?.drop().catch(() => undefined);
  });

  it('never has two runs writing, and the next runs converge to the state of a clean run', async () => {
    const clean = await cleanRunFingerprint(emu);
    db = await createTestDatabase();
    const nb = await new NocobaseSchemaIntrospector(db.dataSource, testConfig()).introspect();
    const [a, b] = await fleet(db, emu, 2);
    try {
      const first = await trigger(a);
      await applying(db, first.id, 2000);
      restartPostgres();
      // B asks for a run at once and keeps asking: it may start one only once A's has ended.
      const runs = new Set<number>([first.id]);
      const last = await until(
        'a run to succeed',
        async () => {
          const t = await trigger(b).catch(() => null);
          if (!t) return null;
          runs.add(t.id);
          const run = await runOf(db, t.id).catch(() => null);
          return run?.status === 'succeeded' ? run : null;
        },
        180_000,
      );
      await finished(db, Number(last.id));
      // However many runs it took, they followed one another: no run's items interleave with another's.
      const spans = await query<{ run_id: string; first: string; last: string }>(
        db,
        `SELECT run_id, min(id) AS first, max(id) AS last FROM wecom_bridge.sync_run_items WHERE run_id = ANY($1::bigint[]) GROUP BY run_id ORDER BY min(id)`,
        [[...runs]],
      );
      for (let i = 1; i < spans.length; i++) expect(Number(spans[i].first)).toBeGreaterThan(Number(spans[i - 1].last));
      const statuses = await query<{ id: string; status: string }>(db, `SELECT id, status FROM wecom_bridge.sync_runs ORDER BY id`);
      expect(statuses.filter((r) => ['queued', 'running'].includes(r.status))).toEqual([]);
      expect(await syncFingerprint(db, nb)).toEqual(clean);
    } finally {
      await a.stop('SIGKILL');
      await b.stop('SIGKILL');
    }
  }, 420_000);
});
