import { Injectable } from '@nestjs/common';
import type { Authenticator } from '../../auth/authenticators/authenticator';
import { AppConfig } from '../../config/app-config';
import { NocobaseDepartmentsRepository } from '../../nocobase/nocobase-departments.repository';
import { NocobaseUsersRepository, type DirectoryUserFields } from '../../nocobase/nocobase-users.repository';
import { BindingsRepository } from '../../users/bindings.repository';
import { normalizePhone } from '../../users/phone';
import type { UseridRange } from '../../users/userid-range';
import { DirectoryMirrorRepository } from '../directory-mirror.repository';
import type { DirectorySnapshot } from '../fetch/directory.types';
import { hashMember } from './member-hash';
import { SnowflakeIdGenerator } from './snowflake-id';
import type { BoundUser, CurrentBinding, CurrentState, SyncPlan } from './sync-plan.types';
import { DirectoryPlanner, type SliceState } from './sync-planner';

type Contacts = Pick<CurrentState, 'phonesInUse' | 'emailsInUse'> & { phoneOfUser: Map<number, string> };

/**
 * Loads what the pure planner compares the directory against and runs it, `planSlice` members at a
 * time in userid order, reading only that range's bindings, users, mirror rows and memberships: at
 * 100,000 members the state is never all in memory at once.
 */
@Injectable()
export class SyncPlanningService {
  private readonly ids = new SnowflakeIdGenerator();
  /** Members planned per userid range; small in tests so every run crosses ranges. */
  planSlice = 5_000;

  constructor(
    private readonly mirror: DirectoryMirrorRepository,
    private readonly bindings: BindingsRepository,
    private readonly users: NocobaseUsersRepository,
    private readonly config: AppConfig,
    private readonly departments: NocobaseDepartmentsRepository,
  ) {}

  async plan(
    authenticator: Authenticator,
    snapshot: DirectorySnapshot,
    options: { force: boolean; onlyMembers?: string[] },
    onProgress: (done: number, total: number) => void,
  ): Promise<SyncPlan> {
    const contacts = await this.contactsInUse(snapshot);
    // Without NocoBase's departments plugin there is nowhere to put departments or memberships: plan none, rather
    // than report creates that are never written and planned again by every run.
    const tree = this.departments.available ? snapshot : { ...snapshot, departments: [] };
    const mapped = this.departments.available ? await this.mirror.departmentMap(authenticator.id) : [];
    const planner = new DirectoryPlanner(tree, mapped, contacts, {
      provisionOnSync: authenticator.provisionOnSync,
      offboarding: authenticator.offboarding,
      thresholdPercent: authenticator.offboardingThresholdPercent,
      force: options.force,
      normalizePhone: (raw) => this.normalize(raw),
      hashMember,
      newDepartmentId: () => this.ids.next(),
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

  /** `phoneOfUser`: users' phones already normalised for contactsInUse (parsing each twice cost ~1 s at 100k). */
  private async sliceState(authenticatorId: number, range: UseridRange, phoneOfUser: Map<number, string>): Promise<SliceState> {
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
    const phonesInUse = new Map<string, number>();
    const phoneOfUser = new Map<number, string>();
    const emailsInUse = new Map<string, number>();
    if (snapshot.members.some((m) => m.mobile || m.email)) {
      for (const contact of await this.users.contactsInUse()) {
        const phone = this.normalize(contact.phone);
        if (phone) {
          phonesInUse.set(phone, contact.id);
          phoneOfUser.set(contact.id, phone);
        }
        if (contact.email) emailsInUse.set(contact.email.toLowerCase(), contact.id);
      }
    }
    return { phonesInUse, emailsInUse, phoneOfUser };
  }

  private normalize(raw: string | null | undefined): string | null {
    return normalizePhone(raw, this.config.auth.phoneDefaultRegion);
  }
}
