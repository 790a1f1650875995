import type { Authenticator } from '../../src/auth/authenticators/authenticator';
import { startEmulator, type WecomEmulator } from '../../tools/emulator';
import { DirectoryFetcher } from '../../src/sync/fetch/directory-fetcher.service';
import { MemoryAccessTokenStore } from '../utils/memory-access-token-store';
import { WecomClientFactory } from '../../src/wecom/wecom-client.factory';

describe('DirectoryFetcher against the emulator', () => {
  let emu: WecomEmulator;
  let factory: WecomClientFactory;
  const fetcher = () => new DirectoryFetcher(factory, factory.metrics);
  const authenticator = (contact: boolean) =>
    ({ name: 'wecom', corpId: emu.corpId, secret: emu.secret, contactSecret: contact ? emu.contactSecret : null }) as Authenticator;

  beforeEach(async () => {
    emu = await startEmulator({ members: 80, departments: 15, seed: 5 });
    factory = new WecomClientFactory(
      { apiBaseUrl: emu.baseUrl, timeoutMs: 2000, maxRetries: 1, retryBaseDelayMs: 5, rateLimitPauseMs: 100, rateLimit: 10_000, rateLimitWindowMs: 60_000 },
      new MemoryAccessTokenStore(),
    );
  });
  afterEach(() => emu.close());

  it('reads the whole corp with the contact-sync secret: every member with departments, leaders and status', async () => {
    const progress: number[] = [];
    const snap = await fetcher().fetch(authenticator(true), (done) => progress.push(done));
    expect(snap).toMatchObject({ complete: true, idsOnly: false });
    expect(snap.departments).toHaveLength(emu.directory.departmentCount);
    expect(snap.members).toHaveLength(emu.directory.memberCount);
    const m = [...emu.directory.allMembers()].find((x) => x.department.length > 1)!;
    expect(snap.members.find((x) => x.userid === m.userid)).toMatchObject({
      name: m.name,
      departments: m.department,
      leaderIn: m.is_leader_in_dept,
      status: m.status,
    });
    expect(progress.at(-1)).toBe(emu.directory.departmentCount);
    // One user/list per department, not one user/get per member.
    expect(emu.calls('user/list')).toBe(emu.directory.departmentCount);
    expect(emu.calls('user/get')).toBe(0);
  });

  it('falls back to ids only when WeCom answers 48009, without pretending names are empty', async () => {
    emu.policy.contactSyncFromNewIp = true;
    const snap = await fetcher().fetch(authenticator(true));
    expect(snap).toMatchObject({ complete: true, idsOnly: true });
    expect(snap.members).toHaveLength(emu.directory.memberCount);
    expect(snap.members.every((m) => m.name === null && m.status === null)).toBe(true);
    expect(snap.departments.every((d) => d.name === null)).toBe(true);
  });

  it("reads the app's visible range with the app secret", async () => {
    const root = emu.directory.allDepartments().find((d) => d.parentid === 1)!;
    emu.app.visibleDepartments = [root.id];
    const inside = new Set(emu.directory.subtree(root.id).map((d) => d.id));
    const snap = await fetcher().fetch(authenticator(false));
    expect(snap.complete).toBe(true);
    expect(new Set(snap.departments.map((d) => d.id))).toEqual(inside);
    const expected = [...emu.directory.allMembers()]
      .filter((m) => m.department.some((d) => inside.has(d)))
      .map((m) => m.userid)
      .sort();
    expect(snap.members.map((m) => m.userid).sort()).toEqual(expected);
  });

  it('marks the snapshot incomplete when member reads fail', async () => {
    emu.faults.add({ api: 'user/list', kind: 'busy', times: 0 }); // beyond the client's retries
    const snap = await fetcher().fetch(authenticator(true));
    expect(snap.complete).toBe(false);
  });

  it('hands members on in batches as departments are read: each member once, in department order whatever order WeCom answers in', async () => {
    const readAll = async () => {
      const read = await fetcher().read(authenticator(true), { batchSize: 7 });
      const batches: string[][] = [];
      for await (const batch of read.members) batches.push(batch.map((m) => m.userid));
      return { batches, complete: read.complete, seen: read.seen.size };
    };
    const plain = await readAll();
    // The first departments now answer last: the batches must not change.
    emu.faults.add({ api: 'user/list', kind: 'latency', latencyMs: 150, times: 3 });
    const slowHead = await readAll();
    expect(slowHead).toEqual(plain);
    const userids = plain.batches.flat();
    expect(userids).toHaveLength(emu.directory.memberCount);
    expect(new Set(userids).size).toBe(userids.length); // members of several departments come once
    expect(plain.seen).toBe(userids.length);
    expect(plain.batches.slice(0, -1).every((b) => b.length >= 7)).toBe(true);
    expect([...emu.directory.allMembers()].some((m) => m.department.length > 1)).toBe(true);
  });

  it('goes on past a department it cannot read, and says the read is incomplete', async () => {
    emu.faults.add({ api: 'user/list', kind: 'errcode', errcode: 60011 }); // no permission for one department
    const read = await fetcher().read(authenticator(true), { batchSize: 10 });
    let members = 0;
    for await (const batch of read.members) members += batch.length;
    expect(read.complete).toBe(false);
    expect(members).toBeGreaterThan(0);
    expect(members).toBeLessThanOrEqual(emu.directory.memberCount);
  });

  it('re-reads single members for events with user/get; a member gone from WeCom is simply absent', async () => {
    const [a, b] = [...emu.directory.allMembers()];
    emu.directory.removeMember(b.userid);
    const snap = await fetcher().fetchMembers(authenticator(true), [a.userid, b.userid]);
    expect(snap).toMatchObject({ complete: true, idsOnly: false });
    expect(snap.members.map((m) => m.userid)).toEqual([a.userid]);
    expect(emu.calls('user/get')).toBe(2);
  });

  it('knows nothing about event members when WeCom refuses details, so the snapshot changes nothing', async () => {
    emu.policy.contactSyncFromNewIp = true;
    const snap = await fetcher().fetchMembers(authenticator(true), [[...emu.directory.allMembers()][0].userid]);
    expect(snap).toMatchObject({ complete: false, members: [] });
  });
});
