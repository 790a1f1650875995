import { hostname } from 'node:os';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import type { BridgeProcess } from '../utils/bridge-process';
import { ADMIN_HEADERS as admin, fleet, until } from '../utils/fleet';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';

/**
 * Each replica keeps the authenticators (secrets opened) in memory; a change made through one replica
 * must take effect on the others at once, heard through PostgreSQL (NOTIFY), not after a cache expiry
 * (the 30 s backstop is far longer than any wait here).
 */
describe('authenticators cached by every replica', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let a: BridgeProcess;
  let b: BridgeProcess;
  const HEARD_WITHIN_MS = 5_000;

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({ port: 0, members: 20, departments: 3, seed: 5 });
    [a, b] = await fleet(db, emu, 2);
  }, 120_000);
  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
    await emu?.close();
    await db?.drop();
  });

  /** What starting a login of `name` on `replica` answers: its status and, for a 302, WeCom's agentid. */
  const start = async (replica: BridgeProcess, name: string) => {
    const res = await fetch(`${replica.url}/api/wecom/${name}/login?redirect=/admin`, { redirect: 'manual' });
    await res.arrayBuffer();
    const location = res.headers.get('location');
    return { status: res.status, agentId: location ? new URL(location).searchParams.get('agentid') : null };
  };
  const heard = (replica: BridgeProcess, name: string, expected: { status: number; agentId?: string }) =>
    until(
      `${name} on replica ${replica.pid} to answer ${JSON.stringify(expected)}`,
      async () => {
        const got = await start(replica, name);
        return got.status === expected.status && (expected.agentId === undefined || got.agentId === expected.agentId);
      },
      HEARD_WITHIN_MS,
    );
  const patch = async (replica: BridgeProcess, name: string, body: Record<string, unknown>) => {
    const res = await fetch(`${replica.url}/api/admin/authenticators/${name}`, { method: 'PATCH', headers: admin, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
  };
  const listening = async (replica: BridgeProcess) =>
    (
      await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [
        `wecom-bridge ${hostname()}:${replica.pid} listen`.slice(0, 63),
      ])
    )[0].n === '1';

  it("applies one replica's create, edit and disabling on the other without waiting for a cache to expire", async () => {
    expect(await listening(b)).toBe(true);
    // B has read (and cached) the authenticators: "branch" is not among them.
    expect((await start(b, 'branch')).status).toBe(404);
    expect((await start(b, 'wecom')).status).toBe(302);

    const created = await fetch(`${a.url}/api/admin/authenticators`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        name: 'branch',
        title: 'Branch',
        corpId: emu.corpId,
        agentId: 1000031,
        secret: 'branch-secret',
        origin: 'https://branch.example.com',
      }),
    });
    expect(created.status).toBe(201);
    await heard(b, 'branch', { status: 302, agentId: '1000031' });

    await patch(a, 'branch', { agentId: 1000032 });
    await heard(b, 'branch', { status: 302, agentId: '1000032' });

    await patch(a, 'branch', { enabled: false });
    await heard(b, 'branch', { status: 404 });
    // And the replica that made the change serves it from its very next request.
    expect((await start(a, 'branch')).status).toBe(404);
  });

  it('hears changes again after its listening connection was cut, and what changed meanwhile', async () => {
    const [{ cut }] = await db.query<{ cut: boolean }>(`SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = $1`, [
      `wecom-bridge ${hostname()}:${b.pid} listen`.slice(0, 63),
    ]);
    expect(cut).toBe(true);
    await patch(a, 'branch', { enabled: true, agentId: 1000033 });
    await until('B to listen again', () => listening(b), 10_000);
    expect(b.logs().some((l) => String(l.msg).includes('lost the connection that hears'))).toBe(true);
    await heard(b, 'branch', { status: 302, agentId: '1000033' });
    await patch(a, 'branch', { agentId: 1000034 });
    await heard(b, 'branch', { status: 302, agentId: '1000034' });
  });
});
