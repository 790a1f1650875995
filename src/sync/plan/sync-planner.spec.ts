import { hashMember } from './member-hash';
import type { CurrentBinding, CurrentState, MemberChange, PlanOptions } from './sync-plan.types';
import type { DirectoryDepartment, DirectoryMember, DirectorySnapshot } from '../fetch/directory.types';
import { DirectoryPlanner, placeholderTitle, planDirectorySync, type SliceState } from './sync-planner';

const dept = (id: number, parentId: number, name: string | null = `D${id}`): DirectoryDepartment => ({ id, parentId, name, order: id });
const member = (userid: string, patch: Partial<DirectoryMember> = {}): DirectoryMember => ({
  userid,
  name: `Name ${userid}`,
  departments: [1],
  leaderIn: [0],
  mainDepartment: 1,
  status: 1,
  mobile: null,
  email: null,
  position: null,
  ...patch,
});
const snapshot = (departments: DirectoryDepartment[], members: DirectoryMember[], patch: Partial<DirectorySnapshot> = {}): DirectorySnapshot => ({
  departments,
  members,
  complete: true,
  idsOnly: false,
  ...patch,
});
const empty = (): CurrentState => ({ departments: [], bindings: [], mirror: [], memberships: [], phonesInUse: new Map(), emailsInUse: new Map() });

let nextId = 1000;
const options = (patch: Partial<PlanOptions> = {}): PlanOptions => ({
  provisionOnSync: false,
  offboarding: 'suspend',
  thresholdPercent: 5,
  force: false,
  normalizePhone: (raw) => (raw ? `+86${raw.replace(/\D/g, '').slice(-11)}` : null),
  hashMember,
  newDepartmentId: () => String(nextId++),
  ...patch,
});

/** A binding to NocoBase user `id` whose fields already match `m` (so nothing changes unless the test says so). */
const bound = (
  m: DirectoryMember,
  id: number,
  patch: Partial<CurrentBinding> = {},
  user: Partial<NonNullable<CurrentBinding['user']>> = {},
): CurrentBinding => ({
  bindingId: id,
  wecomUserid: m.userid,
  source: 'sync',
  phone: null,
  suspended: false,
  user: { id, nickname: m.name, email: m.email, phone: null, mainDepartmentId: 'n1', isPrivileged: false, ...user },
  ...patch,
});
/** State where department 1 is mapped to n1, and `members` are bound, mirrored and members of n1. */
const synced = (members: DirectoryMember[], bindingPatch: (m: DirectoryMember) => Partial<CurrentBinding> = () => ({})): CurrentState => ({
  ...empty(),
  departments: [{ wecomId: 1, nocobaseId: 'n1', title: 'D1', parentNocobaseId: null }],
  bindings: members.map((m, i) => bound(m, i + 1, bindingPatch(m))),
  mirror: members.map((m) => ({ userid: m.userid, hash: hashMember(m), status: m.status, offboarded: false })),
  memberships: members.map((_, i) => ({ nocobaseDepartmentId: 'n1', nocobaseUserId: i + 1, isOwner: false })),
});
const only = (changes: MemberChange[], userid: string) => changes.find((c) => c.wecomUserid === userid)!;
const crowd = (n: number) => Array.from({ length: n }, (_, i) => member(`u${String(i).padStart(3, '0')}`));

describe('planDirectorySync: departments', () => {
  beforeEach(() => (nextId = 1000));

  it('creates new departments parents first, whatever order WeCom lists them in', () => {
    const plan = planDirectorySync(snapshot([dept(3, 2), dept(2, 1), dept(1, 0)], []), empty(), options());
    expect(plan.departments.map((d) => [d.action, d.wecomId, d.nocobaseId, d.parentNocobaseId])).toEqual([
      ['create', 1, '1000', null],
      ['create', 2, '1001', '1000'],
      ['create', 3, '1002', '1001'],
    ]);
    expect(plan.counts.departments.create).toBe(3);
  });

  it('puts a department whose parent is outside the snapshot (app visible range) at the top level', () => {
    const plan = planDirectorySync(snapshot([dept(7, 4)], []), empty(), options());
    expect(plan.departments[0]).toMatchObject({ action: 'create', wecomId: 7, parentNocobaseId: null });
  });

  it('survives a parent cycle without looping', () => {
    const plan = planDirectorySync(snapshot([dept(2, 3), dept(3, 2)], []), empty(), options());
    expect(plan.departments.map((d) => d.action)).toEqual(['create', 'create']);
  });

  it('gives a name-less department (48009) a placeholder, and never replaces a real title with one', () => {
    const created = planDirectorySync(snapshot([dept(1, 0, null)], [], { idsOnly: true }), empty(), options());
    expect(created.departments[0]).toMatchObject({ title: placeholderTitle(1), reason: expect.stringMatching(/placeholder/) });
    const state = { ...empty(), departments: [{ wecomId: 1, nocobaseId: 'n1', title: 'Sales', parentNocobaseId: null }] };
    const kept = planDirectorySync(snapshot([dept(1, 0, null)], [], { idsOnly: true }), state, options());
    expect(kept.departments[0]).toMatchObject({ action: 'unchanged', title: 'Sales' });
  });

  it('renames, moves, and leaves the rest alone', () => {
    const state = {
      ...empty(),
      departments: [
        { wecomId: 1, nocobaseId: 'n1', title: 'D1', parentNocobaseId: null },
        { wecomId: 2, nocobaseId: 'n2', title: 'Old', parentNocobaseId: 'n1' },
        { wecomId: 3, nocobaseId: 'n3', title: 'D3', parentNocobaseId: 'n1' },
        { wecomId: 4, nocobaseId: 'n4', title: 'D4', parentNocobaseId: 'n1' },
      ],
    };
    const plan = planDirectorySync(snapshot([dept(1, 0), dept(2, 1), dept(3, 2), dept(4, 1, 'Four')], []), state, options());
    const byId = new Map(plan.departments.map((d) => [d.wecomId, d]));
    expect(byId.get(1)).toMatchObject({ action: 'unchanged' });
    expect(byId.get(2)).toMatchObject({ action: 'update', title: 'D2', reason: 'renamed from "Old"' });
    expect(byId.get(3)).toMatchObject({ action: 'move', parentNocobaseId: 'n2' });
    expect(byId.get(4)).toMatchObject({ action: 'update', title: 'Four' });
    expect(plan.counts.departments).toMatchObject({ unchanged: 1, update: 2, move: 1, create: 0 });
  });

  it('moves a department under a parent created in the same run', () => {
    const state = {
      ...empty(),
      departments: [
        { wecomId: 1, nocobaseId: 'n1', title: 'D1', parentNocobaseId: null },
        { wecomId: 3, nocobaseId: 'n3', title: 'D3', parentNocobaseId: 'n1' },
      ],
    };
    const plan = planDirectorySync(snapshot([dept(1, 0), dept(2, 1), dept(3, 2)], []), state, options());
    expect(plan.departments.find((d) => d.wecomId === 3)).toMatchObject({ action: 'move', parentNocobaseId: '1000' });
  });

  it('deletes departments gone from WeCom, children before parents', () => {
    const state = {
      ...empty(),
      departments: [
        { wecomId: 1, nocobaseId: 'n1', title: 'D1', parentNocobaseId: null },
        { wecomId: 2, nocobaseId: 'n2', title: 'D2', parentNocobaseId: 'n1' },
        { wecomId: 3, nocobaseId: 'n3', title: 'D3', parentNocobaseId: 'n2' },
      ],
    };
    const plan = planDirectorySync(snapshot([dept(1, 0)], []), state, options());
    expect(plan.departments.filter((d) => d.action === 'delete').map((d) => d.wecomId)).toEqual([3, 2]);
  });

  it('keeps departments missing from an incomplete read', () => {
    const state = { ...empty(), departments: [{ wecomId: 2, nocobaseId: 'n2', title: 'D2', parentNocobaseId: null }] };
    const plan = planDirectorySync(snapshot([dept(1, 0)], [], { complete: false }), state, options());
    expect(plan.departments.find((d) => d.wecomId === 2)).toMatchObject({ action: 'unchanged', reason: expect.stringMatching(/part of the read failed/) });
    expect(plan.offboardingWithheld).toBe(true);
  });
});

describe('planDirectorySync: bound members', () => {
  beforeEach(() => (nextId = 1000));

  it('writes nothing when WeCom and NocoBase agree', () => {
    const ms = crowd(3);
    const plan = planDirectorySync(snapshot([dept(1, 0)], ms), synced(ms), options());
    // Counted, not listed: a no-change plan of a large directory holds nothing.
    expect(plan.members).toEqual([]);
    expect(plan.counts.members.unchanged).toBe(3);
  });

  it('updates a renamed member, and only the nickname', () => {
    const m = member('alice');
    const plan = planDirectorySync(snapshot([dept(1, 0)], [{ ...m, name: 'Alice Wang' }]), synced([m]), options());
    expect(plan.members[0]).toMatchObject({
      action: 'update',
      nocobaseUserId: 1,
      changes: { nickname: ['Name alice', 'Alice Wang'] },
      mirror: true,
      reason: 'changed in WeCom: nickname',
    });
  });

  it('does not blank fields WeCom withholds (2022 restrictions, ids-only reads)', () => {
    const m = member('alice');
    const state = synced([m]);
    state.bindings[0].user = { ...state.bindings[0].user!, email: 'a@x.cn', phone: '+8613800000000' };
    const plan = planDirectorySync(snapshot([dept(1, 0)], [{ ...m, name: null, status: null }], { idsOnly: true }), state, options());
    expect(plan.members[0]).toMatchObject({ action: 'unchanged', changes: {} });
  });

  it('updates email and phone when WeCom returns them and nobody else has them', () => {
    const m = member('alice');
    const plan = planDirectorySync(snapshot([dept(1, 0)], [{ ...m, email: 'Alice@X.cn', mobile: '138 0000 0001' }]), synced([m]), options());
    expect(plan.members[0].changes).toEqual({ email: [null, 'alice@x.cn'], phone: [null, '+8613800000001'] });
  });

  it('records an email or phone held by another user as a conflict instead of writing it', () => {
    const m = member('alice');
    const state = synced([m]);
    state.emailsInUse.set('bob@x.cn', 42);
    state.phonesInUse.set('+8613800000002', 43);
    const plan = planDirectorySync(snapshot([dept(1, 0)], [{ ...m, email: 'bob@x.cn', mobile: '13800000002' }]), state, options());
    expect(plan.members[0]).toMatchObject({ action: 'unchanged', changes: {} });
    expect(plan.members[0].conflicts).toEqual([
      expect.stringMatching(/email bob@x.cn belongs to NocoBase user #42/),
      expect.stringMatching(/phone \+8613800000002 belongs to NocoBase user #43/),
    ]);
    expect(plan.counts.conflicts).toBe(2);
  });

  it('never overwrites the phone confirmed at an in-client login', () => {
    const m = member('alice');
    const state = synced([m], () => ({ source: 'login', phone: '+8613900000000' }));
    state.bindings[0].user!.phone = '+8613900000000';
    const plan = planDirectorySync(snapshot([dept(1, 0)], [{ ...m, mobile: '13800000009' }]), state, options());
    expect(plan.members[0].changes.phone).toBeUndefined();
    expect(plan.members[0].conflicts).toEqual([expect.stringMatching(/confirmed at login/)]);
  });

  it('adds, re-flags and removes memberships, only in departments the bridge manages', () => {
    const m = member('alice', { departments: [1, 2], leaderIn: [1, 0], mainDepartment: 2 });
    const state = synced([member('alice')]);
    state.departments.push(
      { wecomId: 2, nocobaseId: 'n2', title: 'D2', parentNocobaseId: 'n1' },
      { wecomId: 3, nocobaseId: 'n3', title: 'D3', parentNocobaseId: 'n1' },
    );
    state.memberships.push({ nocobaseDepartmentId: 'n3', nocobaseUserId: 1, isOwner: false });
    const plan = planDirectorySync(snapshot([dept(1, 0), dept(2, 1), dept(3, 1)], [m]), state, options());
    expect(plan.members[0]).toMatchObject({
      action: 'update',
      addMemberships: [
        { nocobaseDepartmentId: 'n1', isOwner: true },
        { nocobaseDepartmentId: 'n2', isOwner: false },
      ],
      removeMemberships: ['n3'],
      changes: { mainDepartmentId: ['n1', 'n2'] },
    });
  });

  it('ignores WeCom departments the bridge does not map (no departments plugin, or outside the read)', () => {
    const m = member('alice', { departments: [1, 99], leaderIn: [0, 0] });
    const plan = planDirectorySync(snapshot([dept(1, 0)], [m]), synced([member('alice')]), options());
    expect(plan.members[0].addMemberships).toEqual([]);
  });

  it('skips a binding whose NocoBase user was deleted by hand', () => {
    const m = member('alice');
    const state = synced([m]);
    state.bindings[0].user = null;
    expect(planDirectorySync(snapshot([dept(1, 0)], [m]), state, options()).members[0]).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/deleted in NocoBase/),
    });
  });
});

describe('planDirectorySync: offboarding', () => {
  beforeEach(() => (nextId = 1000));
  const many = crowd(40);

  it.each([
    [2, /disabled in WeCom/],
    [5, /left the company/],
  ])('suspends a member with status %i', (status, why) => {
    const plan = planDirectorySync(
      snapshot(
        [dept(1, 0)],
        many.map((m, i) => (i === 0 ? { ...m, status: status as 2 | 5 } : m)),
      ),
      synced(many),
      options(),
    );
    expect(plan.members[0]).toMatchObject({ action: 'suspend', nocobaseUserId: 1, reason: expect.stringMatching(why), mirror: true });
    expect(plan.abortReason).toBeNull();
  });

  it('suspends a member gone from the directory', () => {
    const plan = planDirectorySync(snapshot([dept(1, 0)], many.slice(1)), synced(many), options());
    expect(only(plan.members, 'u000')).toMatchObject({ action: 'suspend', reason: expect.stringMatching(/gone from the WeCom directory/) });
  });

  it('suspends nobody when any part of the read failed', () => {
    const plan = planDirectorySync(snapshot([dept(1, 0)], many.slice(2).concat({ ...many[1], status: 5 }), { complete: false }), synced(many), options());
    expect(plan.counts.members.suspend).toBe(0);
    expect(plan.offboardingWithheld).toBe(true);
    expect(only(plan.members, 'u000').reason).toMatch(/part of the directory read failed/);
  });

  it('never offboards root or admin users', () => {
    const state = synced(many);
    state.bindings[0].user!.isPrivileged = true;
    const plan = planDirectorySync(snapshot([dept(1, 0)], many.slice(1)), state, options());
    expect(only(plan.members, 'u000')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/protected role/) });
  });

  // Issue #14, finding 1: WeCom's name, email and phone were written over root's own.
  it("never copies WeCom's name, email or phone onto a protected user, and says so; departments still follow", () => {
    const boss = member('boss', { name: '老板', email: 'boss@corp.cn', mobile: '13900000002', mainDepartment: 2, departments: [2] });
    const state: CurrentState = {
      ...synced([boss]),
      departments: [
        { wecomId: 1, nocobaseId: 'n1', title: 'D1', parentNocobaseId: null },
        { wecomId: 2, nocobaseId: 'n2', title: 'D2', parentNocobaseId: 'n1' },
      ],
      bindings: [bound(boss, 1, { source: 'admin' }, { nickname: 'Super Admin', email: 'admin@nocobase.com', phone: '+8613900000001', isPrivileged: true })],
    };
    const change = only(planDirectorySync(snapshot([dept(1, 0), dept(2, 1)], [boss]), state, options()).members, 'boss');
    expect(change.action).toBe('update');
    expect(change.changes).toEqual({ mainDepartmentId: ['n1', 'n2'] });
    expect(change.conflicts).toEqual(["a protected NocoBase user (privileged role): WeCom's nickname, email, phone not copied"]);
  });

  it('leaves everyone alone under the ignore policy', () => {
    const plan = planDirectorySync(snapshot([dept(1, 0)], many.slice(1)), synced(many), options({ offboarding: 'ignore' }));
    expect(only(plan.members, 'u000')).toMatchObject({ action: 'unchanged', reason: expect.stringMatching(/policy is ignore/) });
  });

  it('deletes users the bridge created under the delete policy, and only suspends login-bound ones', () => {
    const state = synced(many, (m) => ({ source: m.userid === 'u001' ? 'login' : 'sync' }));
    const plan = planDirectorySync(snapshot([dept(1, 0)], many.slice(2)), state, options({ offboarding: 'delete' }));
    expect(only(plan.members, 'u000')).toMatchObject({ action: 'delete' });
    expect(only(plan.members, 'u001')).toMatchObject({ action: 'suspend', reason: expect.stringMatching(/suspended, not deleted/) });
  });

  it('does not suspend twice', () => {
    const state = synced(many, (m) => ({ suspended: m.userid === 'u000' }));
    state.mirror[0].offboarded = true;
    const plan = planDirectorySync(snapshot([dept(1, 0)], many.slice(1)), state, options());
    expect(only(plan.members, 'u000')).toMatchObject({ action: 'unchanged', mirror: false });
  });

  it('restores a suspended member who is active again, with any field changes', () => {
    const state = synced(many, (m) => ({ suspended: m.userid === 'u000' }));
    state.mirror[0] = { ...state.mirror[0], status: 5, offboarded: true };
    const plan = planDirectorySync(snapshot([dept(1, 0)], [{ ...many[0], name: 'Back' }, ...many.slice(1)]), state, options());
    expect(only(plan.members, 'u000')).toMatchObject({ action: 'restore', changes: { nickname: ['Name u000', 'Back'] }, mirror: true });
  });

  it('keeps a suspended member suspended when WeCom shares no status (ids only)', () => {
    const state = synced(many, (m) => ({ suspended: m.userid === 'u000' }));
    const plan = planDirectorySync(
      snapshot(
        [dept(1, 0)],
        many.map((m) => ({ ...m, status: null, name: null })),
      ),
      state,
      options(),
    );
    expect(only(plan.members, 'u000')).toMatchObject({ action: 'unchanged', reason: expect.stringMatching(/stays suspended/) });
  });

  it('aborts a run that would offboard more than the threshold, unless forced', () => {
    const plan = planDirectorySync(snapshot([dept(1, 0)], many.slice(3)), synced(many), options());
    expect(plan.counts.members.suspend).toBe(3);
    expect(plan.abortReason).toMatch(/offboard 3 of 40 members \(7\.5%\), more than the 5% threshold/);
    expect(planDirectorySync(snapshot([dept(1, 0)], many.slice(3)), synced(many), options({ force: true })).abortReason).toBeNull();
    expect(planDirectorySync(snapshot([dept(1, 0)], many.slice(2)), synced(many), options()).abortReason).toBeNull();
  });

  it('always allows a single offboarding, even in a tiny company', () => {
    const few = crowd(3);
    expect(planDirectorySync(snapshot([dept(1, 0)], few.slice(1)), synced(few), options()).abortReason).toBeNull();
  });
});

describe('planDirectorySync: unbound members', () => {
  beforeEach(() => (nextId = 1000));
  const state = () => ({ ...empty(), departments: [{ wecomId: 1, nocobaseId: 'n1', title: 'D1', parentNocobaseId: null }] });

  it('mirrors them when provisioning is off, once', () => {
    const m = member('alice');
    const first = planDirectorySync(snapshot([dept(1, 0)], [m]), state(), options());
    expect(first.members[0]).toMatchObject({ action: 'mirror', mirror: true, reason: expect.stringMatching(/first in-client login/) });
    const again = planDirectorySync(
      snapshot([dept(1, 0)], [m]),
      { ...state(), mirror: [{ userid: 'alice', hash: hashMember(m), status: 1, offboarded: false }] },
      options(),
    );
    expect(again.members).toEqual([]);
    expect(again.counts.members.unchanged).toBe(1);
  });

  it('provisions active members with nickname, contacts, department and leader flag', () => {
    const m = member('alice', { name: 'Alice', mobile: '13800000001', email: 'A@x.cn', leaderIn: [1] });
    const plan = planDirectorySync(snapshot([dept(1, 0)], [m]), state(), options({ provisionOnSync: true }));
    expect(plan.members[0]).toMatchObject({
      action: 'create',
      nocobaseUserId: null,
      changes: { nickname: [null, 'Alice'], phone: [null, '+8613800000001'], email: [null, 'a@x.cn'], mainDepartmentId: [null, 'n1'] },
      addMemberships: [{ nocobaseDepartmentId: 'n1', isOwner: true }],
      mirror: true,
    });
  });

  it('uses the userid as nickname when WeCom gives no name', () => {
    const plan = planDirectorySync(
      snapshot([dept(1, 0)], [member('alice', { name: null, status: null })], { idsOnly: true }),
      state(),
      options({ provisionOnSync: true }),
    );
    expect(plan.members[0].changes.nickname).toEqual([null, 'alice']);
  });

  it.each([
    [2, 'mirror'],
    [5, 'mirror'],
    [4, 'mirror'],
  ])('does not provision a member with status %i', (status, action) => {
    const plan = planDirectorySync(snapshot([dept(1, 0)], [member('alice', { status: status as 2 | 4 | 5 })]), state(), options({ provisionOnSync: true }));
    expect(plan.members[0].action).toBe(action);
  });

  it('does not provision a duplicate of a NocoBase user with the same phone: that user binds at login', () => {
    const s = state();
    s.phonesInUse.set('+8613800000001', 7);
    const plan = planDirectorySync(snapshot([dept(1, 0)], [member('alice', { mobile: '13800000001' })]), s, options({ provisionOnSync: true }));
    expect(plan.members[0]).toMatchObject({ action: 'skip', reason: expect.stringMatching(/#7 has this phone/) });
  });

  it('does not provision a member whose email another user has, and records the conflict', () => {
    const s = state();
    s.emailsInUse.set('a@x.cn', 8);
    const plan = planDirectorySync(snapshot([dept(1, 0)], [member('alice', { email: 'a@x.cn' })]), s, options({ provisionOnSync: true }));
    expect(plan.members[0]).toMatchObject({ action: 'skip', conflicts: [expect.stringMatching(/#8/)] });
  });

  it('provisions only the first of two members sharing a phone in one run', () => {
    const plan = planDirectorySync(
      snapshot([dept(1, 0)], [member('a', { mobile: '13800000001' }), member('b', { mobile: '13800000001' })]),
      state(),
      options({ provisionOnSync: true }),
    );
    expect(plan.members.map((m) => m.action)).toEqual(['create', 'skip']);
  });

  it('forgets an unbound member who left, unless the read was incomplete', () => {
    const s = { ...state(), mirror: [{ userid: 'gone', hash: 'h', status: 1, offboarded: false }] };
    expect(planDirectorySync(snapshot([dept(1, 0)], []), s, options()).members[0]).toMatchObject({ action: 'forget' });
    expect(planDirectorySync(snapshot([dept(1, 0)], [], { complete: false }), s, options()).members[0]).toMatchObject({ action: 'unchanged' });
  });

  it('lists members sorted by userid, so a dry run and the real run agree', () => {
    const plan = planDirectorySync(snapshot([dept(1, 0)], [member('c'), member('a'), member('b')]), state(), options());
    expect(plan.members.map((m) => m.wecomUserid)).toEqual(['a', 'b', 'c']);
  });
});

describe('DirectoryPlanner: planning in userid ranges', () => {
  beforeEach(() => (nextId = 1000));

  it('gives the same plan range by range as all at once, members gone from WeCom included', () => {
    const all = crowd(40);
    const state = synced(all);
    state.mirror.push({ userid: 'u0155', hash: 'x', status: 1, offboarded: false }); // unbound, gone, inside the 2nd range
    const present = all.filter((m) => !['u005', 'u015', 'u039'].includes(m.userid)).map((m) => (m.userid === 'u020' ? { ...m, name: 'Renamed' } : m));
    present.push(member('u041', { mobile: '13800000041' }), member('u042', { mobile: '13800000041' })); // same phone, different ranges
    const opts = () => options({ provisionOnSync: true, force: true });
    const whole = planDirectorySync(snapshot([dept(1, 0)], present), state, opts());

    nextId = 1000;
    const planner = new DirectoryPlanner(snapshot([dept(1, 0)], present), state.departments, state, opts());
    const bounds: Array<[string | null, string | null]> = [
      [null, 'u010'],
      ['u010', 'u030'],
      ['u030', 'u041'],
      ['u041', null],
    ];
    for (const [after, upTo] of bounds) {
      const within = (userid: string) => (after === null || userid > after) && (upTo === null || userid <= upTo);
      const slice: SliceState = {
        bindings: state.bindings.filter((b) => within(b.wecomUserid)),
        mirror: state.mirror.filter((m) => within(m.userid)),
        memberships: state.memberships.filter((x) => state.bindings.some((b) => within(b.wecomUserid) && b.user?.id === x.nocobaseUserId)),
      };
      planner.addMembers(
        present.filter((m) => within(m.userid)),
        slice,
      );
    }
    const ranged = planner.finish();
    expect(ranged.members).toEqual(whole.members);
    expect(ranged.counts).toEqual(whole.counts);
    expect(ranged.counts.members).toMatchObject({ suspend: 3, forget: 1, update: 1, create: 1, skip: 1 });
  });
});

describe('DirectoryPlanner: planning while the directory is read', () => {
  beforeEach(() => (nextId = 1000));

  /** The state of exactly these userids, as SyncPlanningService loads it per batch. */
  const stateOf = (state: CurrentState, userids: string[]): SliceState => {
    const wanted = new Set(userids);
    const bindings = state.bindings.filter((b) => wanted.has(b.wecomUserid));
    return {
      bindings,
      mirror: state.mirror.filter((m) => wanted.has(m.userid)),
      memberships: state.memberships.filter((x) => bindings.some((b) => b.user?.id === x.nocobaseUserId)),
    };
  };

  /** Batches as they arrive, then the held and unread members once the read ended; every change, sorted by userid. */
  function pipelined(departments: DirectoryDepartment[], batches: DirectoryMember[][], state: CurrentState, complete: boolean, opts: PlanOptions) {
    const planner = new DirectoryPlanner({ departments, complete: true }, state.departments, state, opts);
    const early: MemberChange[] = [];
    const held: DirectoryMember[] = [];
    for (const batch of batches) {
      const r = planner.planArrived(
        batch,
        stateOf(
          state,
          batch.map((m) => m.userid),
        ),
      );
      early.push(...r.changes);
      held.push(...r.held);
    }
    const departmentsLater = planner.settle(complete);
    const read = new Set(batches.flat().map((m) => m.userid));
    const unread = [...new Set([...state.bindings.map((b) => b.wecomUserid), ...state.mirror.map((m) => m.userid)])].filter((u) => !read.has(u));
    const later = planner.planRemaining(held, stateOf(state, [...held.map((m) => m.userid), ...unread]));
    const plan = planner.finish();
    const byUserid = (x: MemberChange, y: MemberChange) => (x.wecomUserid < y.wecomUserid ? -1 : x.wecomUserid > y.wecomUserid ? 1 : 0);
    return { early, later, departmentsLater, plan, all: [...early, ...later].sort(byUserid) };
  }

  it('makes the same plan as the whole snapshot at once, offboarding only after the read', () => {
    const all = crowd(40);
    const state = synced(all);
    state.mirror.push({ userid: 'u0155', hash: 'x', status: 1, offboarded: false }); // unbound and gone: forgotten
    state.departments.push({ wecomId: 9, nocobaseId: 'n9', title: 'D9', parentNocobaseId: 'n1' }); // gone from WeCom
    const present = all
      .filter((m) => !['u005', 'u015'].includes(m.userid))
      .map((m) => (m.userid === 'u020' ? { ...m, name: 'Renamed' } : m.userid === 'u030' ? { ...m, status: 2 as const } : m));
    present.push(member('u041'));
    const opts = () => options({ provisionOnSync: true, force: true });
    const whole = planDirectorySync(snapshot([dept(1, 0)], present), state, opts());

    nextId = 1000;
    const batches = [present.slice(0, 15), present.slice(15, 30), present.slice(30)];
    const run = pipelined([dept(1, 0)], batches, state, true, opts());
    expect(run.all).toEqual(whole.members);
    expect(run.plan.counts).toEqual(whole.counts);
    expect(run.plan.departments).toEqual(whole.departments);
    // Written while reading: the create and the update. After it: the disabled member, the gone ones, the gone department.
    expect(run.early.map((c) => [c.wecomUserid, c.action])).toEqual([
      ['u020', 'update'],
      ['u041', 'create'],
    ]);
    expect(run.later.map((c) => [c.wecomUserid, c.action])).toEqual([
      ['u005', 'suspend'],
      ['u015', 'suspend'],
      ['u0155', 'forget'],
      ['u030', 'suspend'],
    ]);
    expect(run.departmentsLater.map((d) => [d.wecomId, d.action])).toEqual([[9, 'delete']]);
  });

  it('judges the threshold on the whole read: offboardings held from early batches count with the gone members', () => {
    const all = crowd(40);
    const present = all.filter((m) => m.userid !== 'u039').map((m) => (['u001', 'u002'].includes(m.userid) ? { ...m, status: 5 as const } : m));
    const run = pipelined([dept(1, 0)], [present.slice(0, 20), present.slice(20)], synced(all), true, options());
    expect(run.early).toEqual([]);
    expect(run.plan.abortReason).toMatch(/offboard 3 of 40 members \(7\.5%\)/);
    expect(run.later.map((c) => c.action)).toEqual(['suspend', 'suspend', 'suspend']);
  });

  it('an incomplete read offboards and deletes nobody, even members it read as disabled', () => {
    const all = crowd(10);
    const state = synced(all);
    state.departments.push({ wecomId: 9, nocobaseId: 'n9', title: 'D9', parentNocobaseId: 'n1' });
    const present = all.filter((m) => m.userid !== 'u009').map((m) => (m.userid === 'u001' ? { ...m, status: 2 as const } : m));
    present.push(member('u010'));
    const run = pipelined([dept(1, 0)], [present.slice(0, 5), present.slice(5)], state, false, options({ provisionOnSync: true }));
    expect(run.early.map((c) => [c.wecomUserid, c.action])).toEqual([['u010', 'create']]);
    expect(run.later.map((c) => [c.wecomUserid, c.action, c.withheld])).toEqual([
      ['u001', 'unchanged', true],
      ['u009', 'unchanged', true],
    ]);
    expect(run.departmentsLater).toEqual([expect.objectContaining({ wecomId: 9, action: 'unchanged', withheld: true })]);
    expect(run.plan).toMatchObject({ abortReason: null, offboardingWithheld: true });
    expect(run.plan.counts.members).toMatchObject({ suspend: 0, create: 1 });
  });
});
