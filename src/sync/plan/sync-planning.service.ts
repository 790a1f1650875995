import { Injectable } from '@nestjs/common';
import type { Authenticator } from '../../auth/authenticators/authenticator';
import { AppConfig } from '../../config/app-config';
import { NocobaseDepartmentsRepository } from '../../nocobase/nocobase-departments.repository';
import { NocobaseUsersRepository, type DirectoryUserFields } from '../../nocobase/nocobase-users.repository';
import { BindingsRepository } from '../../users/bindings.repository';
import { normalizePhone } from '../../users/phone';
import type { UseridRange } from '../../users/userid-range';
import { DirectoryMirrorRepository } from '../directory-mirror.repository';
import type { DirectoryDepartment, DirectoryMember, DirectorySnapshot } from '../fetch/directory.types';
import { hashMember } from './member-hash';
import { SnowflakeIdGenerator } from './snowflake-id';
import type { BoundUser, CurrentBinding, CurrentState, DepartmentChange, MemberChange, PlanOptions, SyncPlan } from './sync-plan.types';
import { DirectoryPlanner, type SliceState } from './sync-planner';

type Contacts = Pick<CurrentState, 'phonesInUse' | 'emailsInUse'> & { phoneOfUser: Map<number, string> };

/**
 * One run's plan, made while its directory is read: `departments` (to write before any member),
 * `plan(batch)` for each batch of members read (what to write now), then `remaining(read)` once the
 * read has ended (department deletes and offboarding, which depend on the whole read, and the plan's
 * counts and threshold verdict). Members held back by `plan` (they would be offboarded) are planned
 * again in `remaining`, against the state as it is then.
 */
export class PlanSession {
  private readonly held = new Map<string, DirectoryMember>();
  private contactsLoaded = false;

  constructor(
    private readonly planning: SyncPlanningService,
    private readonly authenticatorId: number,
    private readonly planner: DirectoryPlanner,
    private readonly contacts: Contacts,
  ) {}

  /** Department changes to write before members: everything but deletes (a delete waits for the whole read). */
  get departments(): DepartmentChange[] {
    return this.planner.departments.filter((d) => d.action !== 'delete');
  }

  /** Reads first, then plans: a read that fails (a dropped connection) leaves the session as it was, to be called again. */
  async plan(members: DirectoryMember[]): Promise<MemberChange[]> {
    // Loaded on the first member with a contact, as the whole-snapshot plan does: not at all when WeCom shares none.
    if (!this.contactsLoaded && members.some((m) => m.mobile || m.email)) {
      await this.planning.loadContacts(this.contacts);
      this.contactsLoaded = true;
    }
    const state = await this.planning.sliceState(this.authenticatorId, { userids: members.map((m) => m.userid) }, this.contacts.phoneOfUser);
    const { changes, held } = this.planner.planArrived(members, state);
    for (const m of held) this.held.set(m.userid, m);
    return changes;
  }

  /** After the whole read: department deletes (or those kept), and the offboarding of held and unread members, range by range. */
  async remaining(read: {
    complete: boolean;
    seen: ReadonlySet<string>;
  }): Promise<{ departments: DepartmentChange[]; members: MemberChange[]; plan: SyncPlan }> {
    const departments = this.planner.settle(read.complete);
    const userids = [...this.held.keys(), ...(await this.planning.unread(this.authenticatorId, read.seen))];
    const members: MemberChange[] = [];
    for (let i = 0; i < userids.length; i += this.planning.planSlice) {
      const slice = userids.slice(i, i + this.planning.planSlice);
      const state = await this.planning.sliceState(this.authenticatorId, { userids: slice }, this.contacts.phoneOfUser);
      const held = slice.flatMap((userid) => this.held.get(userid) ?? []);
      for (const c of this.planner.planRemaining(held, state)) members.push(c);
    }
    return { departments, members, plan: this.planner.finish() };
  }
}

/**
 * Loads what the pure planner compares the directory against and runs it, `planSlice` members at a
 * time in userid order, reading only that range's bindings, users, mirror rows and memberships: at
 * 100,000 members the state is never all in memory at once.
 */
@Injectable()
export class SyncPlanningService {
  private readonly ids = new SnowflakeIdGenerator();
  /** Members planned at a time (a userid range, or a batch as read); small in tests so every run crosses batches. */
  planSlice = 5_000;

  constructor(
    private readonly mirror: DirectoryMirrorRepository,
    private readonly bindings: BindingsRepository,
    private readonly users: NocobaseUsersRepository,
    private readonly config: AppConfig,
    private readonly departments: NocobaseDepartmentsRepository,
  ) {}

  /**
   * A plan made while the directory is read (see DirectoryPlanner): the department tree now, members
   * batch by batch as they arrive, offboarding once the read has ended.
   */
  async begin(authenticator: Authenticator, departments: DirectoryDepartment[], options: { force: boolean }): Promise<PlanSession> {
    const contacts: Contacts = { phonesInUse: new Map(), emailsInUse: new Map(), phoneOfUser: new Map() };
    // Complete until the read says otherwise: nothing that depends on it is decided before `settle`.
    const { tree, mapped } = await this.departmentsToPlan(authenticator.id, departments);
    const planner = new DirectoryPlanner({ departments: tree, complete: true }, mapped, contacts, {
      ...this.planOptions(authenticator),
      force: options.force,
    });
    return new PlanSession(this, authenticator.id, planner, contacts);
  }

  /**
   * Without NocoBase's departments plugin there is nowhere to put departments or memberships: plan none, rather than
   * report creates that are never written and planned again by every run.
   */
  private async departmentsToPlan(authenticatorId: number, departments: DirectoryDepartment[]) {
    if (!this.departments.available) return { tree: [], mapped: [] };
    return { tree: departments, mapped: await this.mirror.departmentMap(authenticatorId) };
  }

  async plan(
    authenticator: Authenticator,
    snapshot: DirectorySnapshot,
    options: { force: boolean; onlyMembers?: string[] },
    onProgress: (done: number, total: number) => void,
  ): Promise<SyncPlan> {
    const contacts = await this.contactsInUse(snapshot);
    const { tree, mapped } = await this.departmentsToPlan(authenticator.id, snapshot.departments);
    const planner = new DirectoryPlanner({ ...snapshot, departments: tree }, mapped, contacts, {
      ...this.planOptions(authenticator),
      force: options.force,
    });
    if (options.onlyMembers) {
      planner.addMembers(snapshot.members, await this.sliceState(authenticator.id, { userids: options.onlyMembers }, contacts.phoneOfUser));
      return planner.finish();
    }
    const members = snapshot.members; // sorted by userid (the fetcher's byte order)
    for (let i = 0; i === 0 || i < members.length; i += this.planSlice) {
      const slice = members.slice(i, i + this.planSlice);
      const after = i === 0 ? null : members[i - 1].userid;
      const upTo = i + this.planSlice >= members.length ? null : slice[slice.length - 1].userid;
      planner.addMembers(slice, await this.sliceState(authenticator.id, { after, upTo }, contacts.phoneOfUser));
      onProgress(Math.min(i + this.planSlice, members.length), members.length);
    }
    return planner.finish();
  }

  private planOptions(authenticator: Authenticator): Omit<PlanOptions, 'force'> {
    return {
      provisionOnSync: authenticator.provisionOnSync,
      offboarding: authenticator.offboarding,
      thresholdPercent: authenticator.offboardingThresholdPercent,
      normalizePhone: (raw) => this.normalize(raw),
      hashMember,
      newDepartmentId: () => this.ids.next(),
    };
  }

  /** Userids bound or mirrored for the authenticator that are not in `read`: gone from WeCom, or in a part that could not be read. */
  async unread(authenticatorId: number, read: ReadonlySet<string>): Promise<string[]> {
    const [bound, mirrored] = await Promise.all([this.bindings.boundUserids(authenticatorId), this.mirror.mirroredUserids(authenticatorId)]);
    return [...new Set([...bound, ...mirrored])].filter((userid) => !read.has(userid));
  }

  /** `phoneOfUser`: users' phones already normalised for contactsInUse (parsing each twice cost ~1 s at 100k). */
  async sliceState(authenticatorId: number, range: UseridRange, phoneOfUser: Map<number, string>): Promise<SliceState> {
    const [rows, provisioned] = await Promise.all([
      this.bindings.forPlanning(authenticatorId, range),
      this.bindings.unboundProvisioned(authenticatorId, range),
    ]);
    const users = await this.users.directoryFields([...rows.map((b) => b.nocobaseUserId), ...provisioned.map((p) => p.nocobaseUserId)]);
    const boundUser = (id: number, u: DirectoryUserFields): BoundUser => ({
      id,
      nickname: u.nickname,
      email: u.email?.toLowerCase() ?? null,
      phone: phoneOfUser.get(id) ?? this.normalize(u.phone),
      mainDepartmentId: u.mainDepartmentId,
      isPrivileged: u.isPrivileged,
    });
    // Built field by field: spreading rest objects gave each of 100,000 bindings its own hidden class (24 MB).
    const bindings: CurrentBinding[] = rows.map((b) => {
      const u = users.get(b.nocobaseUserId);
      return {
        bindingId: b.bindingId,
        wecomUserid: b.wecomUserid,
        source: b.source,
        phone: b.phone,
        suspended: b.suspended,
        user: u ? boundUser(b.nocobaseUserId, u) : null,
      };
    });
    // A user an earlier run provisioned, still there but bound to nobody (an unbinding, or a crash of an older version).
    const orphans = provisioned.flatMap((p) => {
      const u = users.get(p.nocobaseUserId);
      return u ? [{ wecomUserid: p.wecomUserid, user: boundUser(p.nocobaseUserId, u) }] : [];
    });
    const [mirror, memberships] = await Promise.all([
      this.mirror.mirror(authenticatorId, range),
      this.mirror.memberships(authenticatorId, [...rows.map((b) => b.nocobaseUserId), ...orphans.map((o) => o.user.id)]),
    ]);
    return { bindings, mirror, memberships, orphans };
  }

  /** Every NocoBase user's phone (E.164) and email: nothing the sync writes may collide with them. */
  private async contactsInUse(snapshot: DirectorySnapshot): Promise<Contacts> {
    const contacts: Contacts = { phonesInUse: new Map(), emailsInUse: new Map(), phoneOfUser: new Map() };
    if (snapshot.members.some((m) => m.mobile || m.email)) await this.loadContacts(contacts);
    return contacts;
  }

  /** Fills `contacts` (the maps the planner already holds) with every NocoBase user's phone and email. */
  async loadContacts(contacts: Contacts): Promise<void> {
    for (const contact of await this.users.contactsInUse()) {
      const phone = this.normalize(contact.phone);
      if (phone) {
        contacts.phonesInUse.set(phone, contact.id);
        contacts.phoneOfUser.set(contact.id, phone);
      }
      if (contact.email) contacts.emailsInUse.set(contact.email.toLowerCase(), contact.id);
    }
  }

  private normalize(raw: string | null | undefined): string | null {
    return normalizePhone(raw, this.config.auth.phoneDefaultRegion);
  }
}
