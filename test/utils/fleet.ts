import type { WecomEmulator } from '../../tools/emulator';
import { AuthenticatorsService } from '../../src/auth/authenticators/authenticators.service';
import { NocobaseSchemaIntrospector } from '../../src/nocobase/schema/nocobase-schema.introspector';
import { SyncService } from '../../src/sync/sync.service';
import { startBridgeProcess, type BridgeProcess } from './bridge-process';
import { createTestApp } from './create-test-app';
import { emulatorEnv } from './emulator-env';
import { syncFingerprint } from './sync-fingerprint';
import { testConfig } from './test-config';
import { createTestDatabase, type TestDatabase } from './test-database';

/** Replicas of the bridge as separate processes on one database, and the run-watching the fault tests share. */
export const ADMIN_KEY = 'replicas-admin-key-0123456789abcdef';
export const METRICS_TOKEN = 'replicas-metrics-token-0123456789';
export const LEASE_SECONDS = 3;
export const ADMIN_HEADERS = { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' };

export interface RunRow {
  id: string;
  status: string;
  trigger: string;
  phase: string | null;
  progress_done: number;
  rows_written: number;
  error_code: string | null;
  error: string | null;
  scheduled_for: Date | null;
}

export async function fleet(db: TestDatabase, emu: WecomEmulator, n: number, env: Record<string, string> = {}): Promise<BridgeProcess[]> {
  const common = {
    DATABASE_URL: db.url,
    BRIDGE_ADMIN_API_KEY: ADMIN_KEY,
    BRIDGE_METRICS_TOKEN: METRICS_TOKEN,
    SYNC_LEASE_SECONDS: String(LEASE_SECONDS),
    WECOM_PROVISION_ON_SYNC: 'true',
    LOG_LEVEL: 'log',
    ...emulatorEnv(emu),
    ...env,
  };
  // One after the other: the first applies the migrations, the others find them done.
  const replicas: BridgeProcess[] = [];
  for (let i = 0; i < n; i++) replicas.push(await startBridgeProcess(common));
  return replicas;
}

export async function trigger(replica: BridgeProcess): Promise<{ id: number; alreadyRunning: boolean }> {
  const post = () => fetch(`${replica.url}/api/admin/sync-runs`, { method: 'POST', headers: ADMIN_HEADERS, body: JSON.stringify({ authenticator: 'wecom' }) });
  let res = await post();
  // Right after its connections were dropped a replica may meet a dead one: a 503 to repeat after Retry-After, as a client would.
  for (let retries = 0; res.status === 503 && retries < 3; retries++) {
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
    res = await post();
  }
  if (res.status !== 202) {
    const errors = replica
      .logs()
      .filter((l) => Number(l.level) >= 40)
      .slice(-3);
    throw new Error(`trigger answered ${res.status}: ${await res.text()}\nthe replica's last warnings and errors: ${JSON.stringify(errors)}`);
  }
  const { data } = (await res.json()) as { data: { id: number; alreadyRunning: boolean } };
  return data;
}

export const runOf = async (db: TestDatabase, id: number) => (await db.query<RunRow>(`SELECT * FROM wecom_bridge.sync_runs WHERE id = $1`, [id]))[0];

export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const finished = (db: TestDatabase, id: number) =>
  until(`run ${id} to finish`, async () => {
    const run = await runOf(db, id);
    return run && !['queued', 'running'].includes(run.status) ? run : null;
  });

/** Waits until the run is applying members and has committed this many. */
export const applying = (db: TestDatabase, id: number, done: number) =>
  until(`run ${id} to apply ${done} members`, async () => {
    const run = await runOf(db, id);
    if (run && !['queued', 'running'].includes(run.status))
      throw new Error(`run ${id} ended before it could be interrupted: ${run.status} ${run.error_code ?? ''} ${run.error ?? ''}`);
    return run?.phase === 'apply' && run.progress_done >= done ? run : null;
  });

/** The state one uninterrupted run leaves for this directory (on a database of its own, dropped afterwards). */
export async function cleanRunFingerprint(emu: WecomEmulator): Promise<Awaited<ReturnType<typeof syncFingerprint>>> {
  const db = await createTestDatabase();
  try {
    const app = await createTestApp(db, { ...emulatorEnv(emu), WECOM_PROVISION_ON_SYNC: 'true' });
    const authenticator = await app.app.get(AuthenticatorsService).get('wecom');
    const run = await (await app.app.get(SyncService).trigger(authenticator, 'cli')).done;
    await app.close();
    if (run.status !== 'succeeded') throw new Error(`the clean run ended ${run.status}: ${run.error}`);
    return await syncFingerprint(db, await new NocobaseSchemaIntrospector(db.dataSource, testConfig()).introspect());
  } finally {
    await db.drop();
  }
}
