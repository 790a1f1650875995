import type { BoundUser, CurrentBinding, CurrentState, DepartmentChange, MappedDepartment, MemberChange, PlanOptions, SyncPlan } from './sync-plan.types';
import type { DirectoryDepartment, DirectoryMember, DirectorySnapshot } from '../fetch/directory.types';

export const DEPARTMENT_ACTIONS = ['create', 'update', 'move', 'delete', 'unchanged'] as const;
export const MEMBER_ACTIONS = ['create', 'rebind', 'update', 'suspend', 'delete', 'restore', 'mirror', 'forget', 'skip', 'unchanged'] as const;

/** WeCom statuses that end a member's access: 2 disabled, 5 left the corp. */
const OFFBOARDED_STATUSES = new Set([2, 5]);

/** Items a run records: every change, and an unchanged member whose WeCom data collided with another user. */
export const isRecorded = (c: MemberChange) => c.action !== 'unchanged' || c.conflicts.length > 0;

/** Title given to a department WeCom names only by id (48009); an earlier real title is never replaced by it. */
export const placeholderTitle = (wecomId: number) => `部门 ${wecomId}`;

/**
 * The whole sync decision, without I/O: what to create, update, move, suspend, restore or leave
 * alone in NocoBase, each with a reason. Deterministic for the same inputs (members sorted by
 * userid), so a dry run shows exactly what the real run will do.
 */
export function planDirectorySync(snapshot: DirectorySnapshot, current: CurrentState, options: PlanOptions): SyncPlan {
  const planner = new DirectoryPlanner(snapshot, current.departments, current, options);
  planner.addMembers(snapshot.members, current);
  return planner.finish();
}

/** What the member plan needs of one userid range (bindings, mirror rows, orphaned users and the memberships of its users). */
export type SliceState = Pick<CurrentState, 'bindings' | 'mirror' | 'memberships' | 'orphans'>;

/**
 * The same plan, made piece by piece so a 100,000-member directory is never held twice over:
 * departments once, then members a batch at a time, each with only its own state.
 *
 * Two ways to feed it. `addMembers`: consecutive, disjoint userid ranges in userid order, each with
 * the state of exactly that range (members gone from WeCom included); `finish` holds the plan.
 * Pipelined, while the directory is still being read: `planArrived` for each batch of members (state
 * of exactly those userids), which returns what may be written at once and holds back whatever
 * offboards; then, after the whole read, `settle` with whether it was complete and `planRemaining`
 * with the held members and the members not read (their state). Whether anything is offboarded or
 * deleted depends on the whole read, so nothing of it is decided before `settle`.
 */
export class DirectoryPlanner {
  departments: DepartmentChange[];
  private readonly ctx: Ctx;
  private readonly changes: MemberChange[] = [];
  private readonly memberCounts = Object.fromEntries(MEMBER_ACTIONS.map((a) => [a, 0])) as SyncPlan['counts']['members'];
  private conflicts = 0;
  private offboardings = 0;
  private withheld = false;
  private population = 0;

  constructor(
    snapshot: Pick<DirectorySnapshot, 'departments' | 'complete'>,
    mapped: MappedDepartment[],
    contacts: Pick<CurrentState, 'phonesInUse' | 'emailsInUse'>,
    private readonly options: PlanOptions,
  ) {
    this.departments = planDepartments(snapshot, mapped, options);
    const nocobaseIdOf = new Map<number, string>();
    for (const d of mapped) nocobaseIdOf.set(d.wecomId, d.nocobaseId);
    for (const d of this.departments) {
      if (d.action === 'delete') nocobaseIdOf.delete(d.wecomId);
      else nocobaseIdOf.set(d.wecomId, d.nocobaseId);
    }
    this.ctx = { contacts, options, complete: snapshot.complete, nocobaseIdOf, managed: new Map(), reservedPhones: new Map(), reservedEmails: new Map() };
  }

  addMembers(members: DirectoryMember[], state: SliceState): void {
    const { changes, quiet, withheld } = planMembers(members, state, this.ctx);
    for (const c of changes) {
      this.changes.push(c);
      this.count(c);
    }
    this.memberCounts.unchanged += quiet;
    this.withheld ||= withheld;
    this.population += new Set([...members.map((m) => m.userid), ...state.bindings.map((b) => b.wecomUserid)]).size;
  }

  /**
   * Pipelined: members just read (each once per run), planned against the state of exactly these
   * userids. Returns the changes to write now; a member whose change would offboard it (disabled or
   * left, per policy) is held for `planRemaining`, after the threshold can be judged.
   */
  planArrived(members: DirectoryMember[], state: SliceState): { changes: MemberChange[]; held: DirectoryMember[] } {
    const { changes, quiet } = planMembers(members, state, this.ctx);
    const now: MemberChange[] = [];
    const held: DirectoryMember[] = [];
    for (const c of changes) {
      if (isOffboarding(c)) held.push(c.member!);
      else {
        now.push(c);
        this.count(c);
      }
    }
    this.memberCounts.unchanged += quiet;
    this.population += members.length;
    return { changes: now, held };
  }

  /** Pipelined, once the read has ended: an incomplete read deletes no department (returned: the deletes, or those kept). */
  settle(complete: boolean): DepartmentChange[] {
    this.ctx.complete = complete;
    if (!complete) {
      this.departments = this.departments.map((d) =>
        d.action === 'delete'
          ? { ...d, action: 'unchanged', reason: 'not in the directory read, but part of the read failed, so it is kept', withheld: true }
          : d,
      );
    }
    return this.departments.filter((d) => d.action === 'delete' || d.withheld);
  }

  /**
   * Pipelined, after `settle`: the held members and the members the read did not find, with the state
   * of exactly those userids (ranges of them, one call each). Every change returned is counted.
   */
  planRemaining(members: DirectoryMember[], state: SliceState): MemberChange[] {
    const { changes, quiet, withheld } = planMembers(members, state, this.ctx);
    for (const c of changes) this.count(c);
    this.memberCounts.unchanged += quiet;
    this.withheld ||= withheld;
    const read = new Set(members.map((m) => m.userid));
    this.population += new Set(state.bindings.filter((b) => !read.has(b.wecomUserid)).map((b) => b.wecomUserid)).size;
    return changes;
  }

  finish(): SyncPlan {
    const { departments, changes: members } = this;
    const counts: SyncPlan['counts'] = {
      departments: Object.fromEntries(DEPARTMENT_ACTIONS.map((a) => [a, 0])) as SyncPlan['counts']['departments'],
      members: { ...this.memberCounts },
      conflicts: this.conflicts,
    };
    for (const d of departments) counts.departments[d.action] += 1;
    const offboardingWithheld = !this.ctx.complete && (this.withheld || departments.some((d) => d.withheld));
    return { departments, members, counts, abortReason: thresholdBreach(this.offboardings, this.population, this.options), offboardingWithheld };
  }

  private count(c: MemberChange): void {
    this.memberCounts[c.action] += 1;
    this.conflicts += c.conflicts.length;
    if (isOffboarding(c)) this.offboardings += 1;
  }
}

const isOffboarding = (c: MemberChange) => c.action === 'suspend' || c.action === 'delete';

/** `population`: members in WeCom or bound, counted once. */
function thresholdBreach(offboarded: number, population: number, options: PlanOptions): string | null {
  if (options.force) return null;
  // A single offboarding is always allowed, or a ten-person company could never lose anyone.
  const limit = Math.max(1, (population * options.thresholdPercent) / 100);
  if (offboarded <= limit) return null;
  const share = population ? ((offboarded / population) * 100).toFixed(1) : '100';
  return `this run would offboard ${offboarded} of ${population} members (${share}%), more than the ${options.thresholdPercent}% threshold; check the directory, then run again with force`;
}

// ── Departments ──────────────────────────────────────────────────────────────────────────────

function planDepartments(snapshot: Pick<DirectorySnapshot, 'departments' | 'complete'>, mapped: MappedDepartment[], options: PlanOptions): DepartmentChange[] {
  const byWecomId = new Map(mapped.map((d) => [d.wecomId, d]));
  const nocobaseIdOf = new Map(mapped.map((d) => [d.wecomId, d.nocobaseId]));
  const changes: DepartmentChange[] = [];

  for (const d of parentsFirst(snapshot.departments)) {
    const existing = byWecomId.get(d.id);
    const parentNocobaseId = nocobaseIdOf.get(d.parentId) ?? null;
    if (!existing) {
      const nocobaseId = options.newDepartmentId();
      nocobaseIdOf.set(d.id, nocobaseId);
      const title = d.name ?? placeholderTitle(d.id);
      const reason = d.name ? 'new in WeCom' : 'new in WeCom; its name is not readable (48009), so it has a placeholder title';
      changes.push({ action: 'create', wecomId: d.id, nocobaseId, title, parentNocobaseId, reason, withheld: false });
      continue;
    }
    const title = d.name ?? existing.title;
    const moved = existing.parentNocobaseId !== parentNocobaseId;
    const renamed = existing.title !== title;
    const base = { wecomId: d.id, nocobaseId: existing.nocobaseId, title, parentNocobaseId, withheld: false };
    if (moved) changes.push({ ...base, action: 'move', reason: renamed ? `moved and renamed from "${existing.title}"` : 'moved to another parent in WeCom' });
    else if (renamed) changes.push({ ...base, action: 'update', reason: `renamed from "${existing.title}"` });
    else changes.push({ ...base, action: 'unchanged', reason: 'same title and parent' });
  }

  const present = new Set(snapshot.departments.map((d) => d.id));
  const gone = mapped.filter((d) => !present.has(d.wecomId));
  const depth = depthsOf(mapped);
  for (const d of gone.sort((x, y) => depth(y.wecomId) - depth(x.wecomId) || x.wecomId - y.wecomId)) {
    const base = { wecomId: d.wecomId, nocobaseId: d.nocobaseId, title: d.title, parentNocobaseId: d.parentNocobaseId };
    if (snapshot.complete) changes.push({ ...base, action: 'delete', reason: 'no longer in the WeCom directory', withheld: false });
    else changes.push({ ...base, action: 'unchanged', reason: 'not in the directory read, but part of the read failed, so it is kept', withheld: true });
  }
  return changes;
}

/** Departments ordered so every parent precedes its children; a parent outside the snapshot makes a top-level department. */
function parentsFirst(departments: DirectoryDepartment[]): DirectoryDepartment[] {
  const byId = new Map(departments.map((d) => [d.id, d]));
  const depth = new Map<number, number>();
  const depthOf = (d: DirectoryDepartment): number => {
    const known = depth.get(d.id);
    if (known !== undefined) return known;
    let n = 0;
    const seen = new Set<number>([d.id]);
    for (let p = byId.get(d.parentId); p && !seen.has(p.id); p = byId.get(p.parentId)) {
      seen.add(p.id);
      n += 1;
    }
    depth.set(d.id, n);
    return n;
  };
  return [...departments].sort((x, y) => depthOf(x) - depthOf(y) || x.order - y.order || x.id - y.id);
}

/** Depth of mapped departments by their recorded NocoBase parents (for deleting children first). */
function depthsOf(mapped: MappedDepartment[]): (wecomId: number) => number {
  const byNocobaseId = new Map(mapped.map((d) => [d.nocobaseId, d]));
  const byWecomId = new Map(mapped.map((d) => [d.wecomId, d]));
  return (wecomId) => {
    let n = 0;
    const seen = new Set<string>();
    for (let d = byWecomId.get(wecomId); d?.parentNocobaseId && !seen.has(d.nocobaseId); d = byNocobaseId.get(d.parentNocobaseId)) {
      seen.add(d.nocobaseId);
      n += 1;
    }
    return n;
  };
}

// ── Members ──────────────────────────────────────────────────────────────────────────────────

/** Who holds a phone or email: an existing NocoBase user, or a member provisioned earlier in this plan. */
type ContactHolder = { nocobaseUserId: number } | { provisionedMember: string };

type Ctx = {
  contacts: Pick<CurrentState, 'phonesInUse' | 'emailsInUse'>;
  options: PlanOptions;
  complete: boolean;
  nocobaseIdOf: Map<number, string>;
  /** Managed memberships of the current range's users: NocoBase user id → department id → isOwner. */
  managed: Map<number, Map<string, boolean>>;
  /** Phones and emails given to members provisioned earlier in this plan (their users do not exist yet). */
  reservedPhones: Map<string, string>;
  reservedEmails: Map<string, string>;
};

function phoneHolder(ctx: Ctx, phone: string): ContactHolder | undefined {
  const member = ctx.reservedPhones.get(phone);
  if (member !== undefined) return { provisionedMember: member };
  const userId = ctx.contacts.phonesInUse.get(phone);
  return userId === undefined ? undefined : { nocobaseUserId: userId };
}

function emailHolder(ctx: Ctx, email: string): ContactHolder | undefined {
  const member = ctx.reservedEmails.get(email);
  if (member !== undefined) return { provisionedMember: member };
  const userId = ctx.contacts.emailsInUse.get(email);
  return userId === undefined ? undefined : { nocobaseUserId: userId };
}

const isOtherUser = (holder: ContactHolder | undefined, nocobaseUserId: number): holder is ContactHolder =>
  holder !== undefined && !('nocobaseUserId' in holder && holder.nocobaseUserId === nocobaseUserId);

const describeHolder = (holder: ContactHolder) =>
  'nocobaseUserId' in holder ? `NocoBase user #${holder.nocobaseUserId}` : `member ${holder.provisionedMember}, provisioned in this run,`;

/**
 * Member changes, sorted by userid. Members with nothing to write or record are only counted
 * (`quiet`): at 100,000 members a no-change plan then holds almost nothing.
 */
function planMembers(members: DirectoryMember[], current: SliceState, ctx: Ctx): { changes: MemberChange[]; quiet: number; withheld: boolean } {
  const { options } = ctx;
  // Memberships of this range's users only; the map is rebuilt per range.
  ctx.managed = new Map();
  for (const membership of current.memberships) {
    const departments = ctx.managed.get(membership.nocobaseUserId) ?? new Map<string, boolean>();
    departments.set(membership.nocobaseDepartmentId, membership.isOwner);
    ctx.managed.set(membership.nocobaseUserId, departments);
  }
  const bindings = new Map(current.bindings.map((b) => [b.wecomUserid, b]));
  const mirror = new Map(current.mirror.map((m) => [m.userid, m]));
  const orphans = new Map<string, BoundUser>();
  // The oldest user provisioned for a member wins (ids grow with time).
  for (const o of current.orphans ?? []) if (!orphans.has(o.wecomUserid) || orphans.get(o.wecomUserid)!.id > o.user.id) orphans.set(o.wecomUserid, o.user);
  const changes: MemberChange[] = [];
  let quiet = 0;
  let withheld = false;
  const add = (change: MemberChange) => {
    withheld ||= change.withheld;
    if (change.quiet && !change.mirror && !isRecorded(change)) quiet += 1;
    else changes.push(change);
  };

  for (const member of members) {
    const mirrored = mirror.get(member.userid);
    const hashChanged = !mirrored || mirrored.hash !== options.hashMember(member);
    const binding = bindings.get(member.userid);
    const change = binding ? planBound(member, binding, ctx) : planUnbound(member, ctx, hashChanged, orphans.get(member.userid));
    // A restore or a new offboarding also changes the mirror's offboarded flag.
    change.mirror =
      hashChanged || change.action === 'suspend' || change.action === 'restore' || (mirrored?.offboarded ?? false) !== Boolean(binding?.suspended);
    change.binding = binding ? { id: binding.bindingId, suspended: binding.suspended } : null;
    add(change);
  }

  const present = new Set(members.map((m) => m.userid));
  for (const binding of current.bindings) {
    if (present.has(binding.wecomUserid)) continue;
    const change =
      offboard(binding, 'gone from the WeCom directory', ctx) ?? unchanged(binding.wecomUserid, binding.user?.id ?? null, 'gone from WeCom; nothing to do');
    change.binding = { id: binding.bindingId, suspended: binding.suspended };
    add(change);
  }
  for (const m of current.mirror) {
    if (present.has(m.userid) || bindings.has(m.userid)) continue;
    add(
      ctx.complete
        ? { ...blank(m.userid, null), action: 'forget', reason: 'an unbound member who left the WeCom directory' }
        : { ...unchanged(m.userid, null, 'not in the directory read, but part of the read failed, so it is kept'), withheld: true },
    );
  }
  return { changes: changes.sort((x, y) => (x.wecomUserid < y.wecomUserid ? -1 : x.wecomUserid > y.wecomUserid ? 1 : 0)), quiet, withheld };
}

function planBound(member: DirectoryMember, binding: CurrentBinding, ctx: Ctx): MemberChange {
  const user = binding.user;
  if (!user)
    return {
      ...blank(member.userid, null),
      action: 'skip',
      member,
      reason: 'its NocoBase user was deleted in NocoBase; remove the binding to let sync provision it again',
    };
  if (member.status !== null && OFFBOARDED_STATUSES.has(member.status)) {
    const why = member.status === 2 ? 'disabled in WeCom' : 'left the company in WeCom';
    const change = offboard(binding, why, ctx) ?? unchanged(member.userid, user.id, binding.suspended ? `${why}; already suspended` : `${why}; nothing to do`);
    return { ...change, member };
  }

  const change: MemberChange = { ...blank(member.userid, user.id), member };
  diffFields(member, binding, change, ctx);
  diffMemberships(member, user.id, change, ctx);
  const changed = Object.keys(change.changes).length > 0 || change.addMemberships.length > 0 || change.removeMemberships.length > 0;
  if (binding.suspended) {
    // Without a status (ids-only read) a disabled member cannot be told from an active one.
    if (member.status === null)
      return {
        ...change,
        action: 'unchanged',
        changes: {},
        addMemberships: [],
        removeMemberships: [],
        reason: 'suspended; WeCom shares no status here (48009), so it stays suspended',
      };
    return { ...change, action: 'restore', reason: 'active in WeCom again: access and roles restored' };
  }
  if (changed) return { ...change, action: 'update', reason: `changed in WeCom: ${describe(change)}` };
  return { ...change, action: 'unchanged', quiet: true, reason: change.conflicts.length ? 'nothing to write; see conflicts' : 'in step with WeCom' };
}

function planUnbound(member: DirectoryMember, ctx: Ctx, hashChanged: boolean, orphan: BoundUser | undefined): MemberChange {
  const change: MemberChange = { ...blank(member.userid, null), member };
  const mirrorOnly = (reason: string): MemberChange =>
    hashChanged ? { ...change, action: 'mirror', reason } : { ...change, action: 'unchanged', quiet: true, reason };
  if (member.status !== null && OFFBOARDED_STATUSES.has(member.status)) return mirrorOnly('not provisioned: disabled or left in WeCom');
  if (!ctx.options.provisionOnSync) return mirrorOnly('unbound; binds at the first in-client login (provisioning on sync is off)');
  if (member.status === 4) return mirrorOnly('not provisioned until the member activates WeCom');
  if (orphan?.isPrivileged) {
    return {
      ...mirrorOnly(`not bound again: NocoBase user #${orphan.id} it was provisioned as now holds a protected role; an administrator binds it`),
      action: 'skip',
      quiet: false,
    };
  }
  if (orphan) return rebind(member, orphan, ctx);

  const phone = ctx.options.normalizePhone(member.mobile);
  const email = member.email?.toLowerCase() ?? null;
  const byPhone = phone ? phoneHolder(ctx, phone) : undefined;
  const byEmail = email ? emailHolder(ctx, email) : undefined;
  if (byPhone) {
    return {
      ...mirrorOnly(`not provisioned: ${describeHolder(byPhone)} has this phone; they bind at the first in-client login`),
      action: 'skip',
      quiet: false,
    };
  }
  if (byEmail) {
    const who = describeHolder(byEmail).replace(/,$/, '');
    return {
      ...change,
      action: 'skip',
      conflicts: [`email ${email} belongs to ${who}`],
      reason: 'not provisioned: its email belongs to another NocoBase user; bind them by hand or at login',
    };
  }
  change.changes.nickname = [null, member.name ?? member.userid];
  if (phone) change.changes.phone = [null, phone];
  if (email) change.changes.email = [null, email];
  diffMemberships(member, null, change, ctx);
  const main = member.mainDepartment !== null ? ctx.nocobaseIdOf.get(member.mainDepartment) : undefined;
  if (main) change.changes.mainDepartmentId = [null, main];
  // Reserve the contacts so a second member with the same phone or email in this run is caught.
  if (phone) ctx.reservedPhones.set(phone, member.userid);
  if (email) ctx.reservedEmails.set(email, member.userid);
  return { ...change, action: 'create', reason: 'new in WeCom; provisioned with the default role' };
}

/** A user an earlier run provisioned for this member lost its binding: bind it again (and bring it in step) rather than create another. */
function rebind(member: DirectoryMember, user: BoundUser, ctx: Ctx): MemberChange {
  const change: MemberChange = { ...blank(member.userid, user.id), member };
  diffFields(member, { bindingId: 0, wecomUserid: member.userid, source: 'sync', phone: null, suspended: false, user }, change, ctx);
  diffMemberships(member, user.id, change, ctx);
  return { ...change, action: 'rebind', reason: `its NocoBase user #${user.id}, provisioned by an earlier sync, had lost its binding; bound to it again` };
}

/** Suspend/delete per policy, or null when the policy leaves the user alone. */
function offboard(binding: CurrentBinding, why: string, ctx: Ctx): MemberChange | null {
  const user = binding.user;
  const base = blank(binding.wecomUserid, user?.id ?? null);
  if (!user) return { ...base, action: ctx.complete ? 'forget' : 'unchanged', reason: `${why}; its NocoBase user no longer exists` };
  if (ctx.options.offboarding === 'ignore') return { ...base, action: 'unchanged', reason: `${why}; the offboarding policy is ignore` };
  if (user.isPrivileged)
    return { ...base, action: 'skip', reason: `${why}; users with a protected role (root, admin, WECOM_PROTECTED_ROLES) are never offboarded` };
  if (!ctx.complete) return { ...base, action: 'unchanged', withheld: true, reason: `${why}, but part of the directory read failed, so nobody is offboarded` };
  // Only users the bridge created are deleted; a login-bound account existed before WeCom and is suspended instead.
  if (ctx.options.offboarding === 'delete' && binding.source === 'sync')
    return { ...base, action: 'delete', reason: `${why}; deleted (offboarding policy delete)` };
  if (binding.suspended) return null;
  const note = ctx.options.offboarding === 'delete' ? ' (it existed before its WeCom binding, so it is suspended, not deleted)' : '';
  return { ...base, action: 'suspend', reason: `${why}; sessions ended and roles withdrawn${note}` };
}

function diffFields(member: DirectoryMember, binding: CurrentBinding, change: MemberChange, ctx: Ctx): void {
  const user = binding.user!;
  const main = member.mainDepartment !== null ? ctx.nocobaseIdOf.get(member.mainDepartment) : undefined;
  if (main && main !== user.mainDepartmentId) change.changes.mainDepartmentId = [user.mainDepartmentId, main];
  const contact = user.isPrivileged ? ({} as MemberChange['changes']) : change.changes;
  diffContactFields(member, binding, contact, change.conflicts, ctx);
  // WeCom's directory admins must not rename, re-mail or re-number a NocoBase administrator.
  const withheld = Object.keys(contact);
  if (user.isPrivileged && withheld.length) change.conflicts.push(`a protected NocoBase user (privileged role): WeCom's ${withheld.join(', ')} not copied`);
}

/** nickname, email and phone, into `changes` unless another user holds the value (then a conflict). */
function diffContactFields(member: DirectoryMember, binding: CurrentBinding, changes: MemberChange['changes'], conflicts: string[], ctx: Ctx): void {
  const user = binding.user!;
  if (member.name && member.name !== user.nickname) changes.nickname = [user.nickname, member.name];

  const email = member.email?.toLowerCase() ?? null;
  if (email && email !== user.email) {
    const holder = emailHolder(ctx, email);
    if (isOtherUser(holder, user.id)) conflicts.push(`email ${email} belongs to ${describeHolder(holder).replace(/,$/, '')}; kept ${user.email ?? 'empty'}`);
    else changes.email = [user.email, email];
  }

  const phone = ctx.options.normalizePhone(member.mobile);
  if (phone && phone !== user.phone) {
    const holder = phoneHolder(ctx, phone);
    if (binding.source === 'login' && binding.phone) conflicts.push(`WeCom shows phone ${phone}; the phone confirmed at login (${binding.phone}) is kept`);
    else if (isOtherUser(holder, user.id))
      conflicts.push(`phone ${phone} belongs to ${describeHolder(holder).replace(/,$/, '')}; kept ${user.phone ?? 'empty'}`);
    else changes.phone = [user.phone, phone];
  }
}

/** Memberships in departments the bridge manages: add the missing, fix isOwner, remove the ones WeCom dropped. */
function diffMemberships(member: DirectoryMember, nocobaseUserId: number | null, change: MemberChange, ctx: Ctx): void {
  const wanted = new Map<string, boolean>();
  member.departments.forEach((wecomId, i) => {
    const id = ctx.nocobaseIdOf.get(wecomId);
    if (id) wanted.set(id, member.leaderIn[i] === 1);
  });
  const have = nocobaseUserId === null ? new Map<string, boolean>() : (ctx.managed.get(nocobaseUserId) ?? new Map<string, boolean>());
  for (const [id, isOwner] of wanted) if (have.get(id) !== isOwner) change.addMemberships.push({ nocobaseDepartmentId: id, isOwner });
  for (const id of have.keys()) if (!wanted.has(id)) change.removeMemberships.push(id);
}

function describe(change: MemberChange): string {
  const parts: string[] = Object.keys(change.changes);
  if (change.addMemberships.length) parts.push(`+${change.addMemberships.length} department(s)`);
  if (change.removeMemberships.length) parts.push(`-${change.removeMemberships.length} department(s)`);
  return parts.join(', ');
}

function blank(wecomUserid: string, nocobaseUserId: number | null): MemberChange {
  return {
    action: 'unchanged',
    wecomUserid,
    nocobaseUserId,
    binding: null,
    changes: {},
    addMemberships: [],
    removeMemberships: [],
    mirror: false,
    conflicts: [],
    member: null,
    reason: '',
    withheld: false,
    quiet: false,
  };
}

function unchanged(wecomUserid: string, nocobaseUserId: number | null, reason: string): MemberChange {
  return { ...blank(wecomUserid, nocobaseUserId), reason };
}
