import type { OffboardingPolicy } from '../../auth/authenticators/authenticator';
import type { DirectoryDepartment, DirectoryMember, DirectorySnapshot } from '../fetch/directory.types';

/** What NocoBase and the bridge hold now, for one authenticator. */
export interface CurrentState {
  /** WeCom departments the bridge created in NocoBase (its id map). */
  departments: MappedDepartment[];
  /** Bindings of this authenticator, with the NocoBase user each points at (null if that user is gone). */
  bindings: CurrentBinding[];
  /** Members mirrored by an earlier run (unbound members included), by userid. */
  mirror: MirroredMember[];
  /** departmentsUsers rows the bridge created (it never touches others). */
  memberships: ManagedMembership[];
  /** Users an earlier run provisioned that no binding points at any more, with the member they were made for. */
  orphans?: { wecomUserid: string; user: BoundUser }[];
  /** Phones and emails already used by NocoBase users, normalised (E.164 / lower-case), with their user id. */
  phonesInUse: Map<string, number>;
  emailsInUse: Map<string, number>;
}

export interface MappedDepartment {
  wecomId: number;
  nocobaseId: string;
  title: string;
  /** The NocoBase parent id the bridge last wrote (null = top level). */
  parentNocobaseId: string | null;
}

export interface CurrentBinding {
  bindingId: number;
  wecomUserid: string;
  source: 'login' | 'sync' | 'admin';
  /** E.164 phone recorded by the binding (login bindings own it; sync never overwrites it). */
  phone: string | null;
  suspended: boolean;
  /** The NocoBase user it points at; null when that user was deleted. */
  user: BoundUser | null;
}

/** A NocoBase user as the planner compares it with its WeCom member. */
export interface BoundUser {
  id: number;
  nickname: string | null;
  email: string | null;
  /** E.164 of users.phone, or null. */
  phone: string | null;
  mainDepartmentId: string | null;
  /** Holds a privileged NocoBase role (root, admin, WECOM_PROTECTED_ROLES): never offboarded, contact fields never overwritten. */
  isPrivileged: boolean;
}

export interface MirroredMember {
  userid: string;
  /** Hash of the member's synced fields at the last run: equal hash = unchanged. */
  hash: string;
  /** Status at the last run. */
  status: number | null;
  /** True once the member was offboarded by the bridge (so a return is a restore). */
  offboarded: boolean;
}

export interface ManagedMembership {
  nocobaseDepartmentId: string;
  nocobaseUserId: number;
  isOwner: boolean;
}

export interface PlanOptions {
  provisionOnSync: boolean;
  offboarding: OffboardingPolicy;
  /** Abort when more than this percentage of members would be offboarded (suspend/delete). */
  thresholdPercent: number;
  force: boolean;
  /** E.164 normaliser (libphonenumber with the configured default region). */
  normalizePhone: (raw: string | null) => string | null;
  /** Stable hash of a member's synced fields. */
  hashMember: (m: DirectoryMember) => string;
  /** Generates NocoBase department ids the way NocoBase does (snowflake-like bigint as string). */
  newDepartmentId: () => string;
}

export type DepartmentAction = 'create' | 'update' | 'move' | 'delete' | 'unchanged';
export type MemberAction = 'create' | 'rebind' | 'update' | 'suspend' | 'delete' | 'restore' | 'mirror' | 'forget' | 'unchanged' | 'skip';

export interface DepartmentChange {
  action: DepartmentAction;
  wecomId: number;
  nocobaseId: string;
  title: string;
  parentNocobaseId: string | null;
  reason: string;
  /** Kept although it is gone from the read, because part of the read failed. */
  withheld: boolean;
}

export type MemberFieldChanges = Partial<Record<'nickname' | 'email' | 'phone' | 'mainDepartmentId', [string | null, string | null]>>;

export interface MemberChange {
  action: MemberAction;
  wecomUserid: string;
  /** Target NocoBase user (null for create/mirror until the applier allocates one; for rebind, the orphaned user). */
  nocobaseUserId: number | null;
  /** The member's binding as planned against (null when unbound). */
  binding: { id: number; suspended: boolean } | null;
  /** Field → [before, after] for updates; only the fields that change. */
  changes: MemberFieldChanges;
  /** Memberships to add (or whose isOwner changes) and to remove, in departments the bridge manages. */
  addMemberships: { nocobaseDepartmentId: string; isOwner: boolean }[];
  removeMemberships: string[];
  /** The bridge's mirror row must be (re)written: the member's hash changed or it is new. */
  mirror: boolean;
  /** Collisions recorded instead of forced (e.g. email held by another user). */
  conflicts: string[];
  member: DirectoryMember | null;
  reason: string;
  /** An offboarding (or a forget) held back because part of the directory read failed. */
  withheld: boolean;
  /** Nothing to write and nothing worth telling: counted, not listed (a no-change run at 100,000 members holds almost nothing). */
  quiet: boolean;
}

export interface SyncPlan {
  departments: DepartmentChange[];
  members: MemberChange[];
  counts: { departments: Record<DepartmentAction, number>; members: Record<MemberAction, number>; conflicts: number };
  /** Why the plan must not be applied as is (the offboarding threshold), or null. */
  abortReason: string | null;
  /** Offboarding withheld because the fetch was incomplete. */
  offboardingWithheld: boolean;
}

export type { DirectoryDepartment, DirectoryMember, DirectorySnapshot };
