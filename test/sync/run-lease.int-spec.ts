import { LeaseLost, RunLease } from '../../src/sync/runs/run-lease';
import { SyncRunsRepository, type RunOwner } from '../../src/sync/runs/sync-runs.repository';
import { testConfig } from '../utils/test-config';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';

/**
 * The fence is the last statement of a write transaction that may have run for seconds: the lease it
 * proves and extends must be measured at the fence, not at the transaction's start (PostgreSQL's now()).
 */
describe('a run lease fenced at the end of a long write transaction', () => {
  let db: TestDatabase;
  let runs: SyncRunsRepository;
  let authenticatorId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    runs = new SyncRunsRepository(db.dataSource, testConfig());
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO wecom_bridge.authenticators (name, title, corp_id, agent_id, secret_sealed, origin) VALUES ('lease', 'Lease', 'ww1', '1', 'x', 'http://nb') RETURNING id`,
    );
    authenticatorId = Number(row.id);
  });
  afterAll(() => db?.drop());

  /** A running run of its own (the previous one finished), with a lease of `leaseSeconds`. */
  async function runningLease(leaseSeconds: number): Promise<RunLease> {
    await db.query(`UPDATE wecom_bridge.sync_runs SET status = 'failed', finished_at = now() WHERE status IN ('queued', 'running')`);
    const owner: RunOwner = { replica: 'test:1', leaseSeconds };
    const queued = await runs.tryQueue({ authenticatorId, trigger: 'admin', dryRun: false, force: false }, owner);
    if (!('queued' in queued)) throw new Error('could not queue a run');
    expect(await runs.markRunning(queued.queued.id, owner)).toBe(true);
    return new RunLease(runs, queued.queued.id, owner);
  }

  const secondsLeft = async (runId: number) =>
    Number(
      (
        await db.query<{ left: string }>(`SELECT extract(epoch FROM lease_expires_at - clock_timestamp()) AS left FROM wecom_bridge.sync_runs WHERE id = $1`, [
          runId,
        ])
      )[0].left,
    );

  it('a transaction that wrote for most of the lease leaves a whole lease from its fence, not what remained from its start', async () => {
    const lease = await runningLease(2);
    await db.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_sleep(1.5)`);
      await lease.fence(manager);
    });
    expect(await secondsLeft(lease.runId)).toBeGreaterThan(1.5);
  });

  it('a transaction whose lease ended while it wrote fails at its fence and commits nothing', async () => {
    const lease = await runningLease(1);
    const wrote = db.dataSource.transaction(async (manager) => {
      await runs.insertItems(
        lease.runId,
        [{ kind: 'member', key: 'late', action: 'update', outcome: 'applied', reason: 'r', changes: {}, error: null }],
        manager,
      );
      await manager.query(`SELECT pg_sleep(1.3)`);
      await lease.fence(manager);
    });
    await expect(wrote).rejects.toBeInstanceOf(LeaseLost);
    expect(await db.query(`SELECT 1 FROM wecom_bridge.sync_run_items WHERE run_id = $1`, [lease.runId])).toEqual([]);
    expect(lease.lost).toBe(true);
  });

  it('the heartbeat keeps a run alive across many short leases', async () => {
    const lease = await runningLease(1);
    lease.startHeartbeat();
    try {
      await new Promise((r) => setTimeout(r, 2500));
      expect(lease.lost).toBe(false);
      expect(await secondsLeft(lease.runId)).toBeGreaterThan(0.5);
    } finally {
      lease.stop();
    }
  });
});
