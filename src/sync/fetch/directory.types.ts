/** A WeCom department as the sync sees it. `name` is null when only the id APIs could be read (48009). */
export interface DirectoryDepartment {
  id: number;
  parentId: number;
  name: string | null;
  order: number;
}

/** WeCom member status: 1 active, 2 disabled, 4 not yet activated, 5 left the corp. */
export type MemberStatus = 1 | 2 | 4 | 5;

/** A WeCom member as the sync sees it. Fields WeCom did not return are null (2022 restrictions, id-only fetch). */
export interface DirectoryMember {
  userid: string;
  name: string | null;
  /** Departments the member belongs to, parallel to `leaderIn`. */
  departments: number[];
  /** 1 where the member leads the department at the same index. */
  leaderIn: number[];
  mainDepartment: number | null;
  status: MemberStatus | null;
  mobile: string | null;
  email: string | null;
  position: string | null;
}

/** The directory snapshot a run planned against, and whether every part of it was read. */
export interface DirectorySnapshot {
  departments: DirectoryDepartment[];
  members: DirectoryMember[];
  /** False when any page, department or member read failed: nothing may then be offboarded. */
  complete: boolean;
  /** True when only ids could be read (48009): names and details are unknown, not empty. */
  idsOnly: boolean;
}

/**
 * A directory read in progress: the tree, then the members batch by batch as WeCom answers.
 * `complete`, `idsOnly` and `seen` are final once `members` is exhausted.
 */
export interface DirectoryRead {
  departments: DirectoryDepartment[];
  /** New members in department order, each exactly once. */
  members: AsyncIterable<DirectoryMember[]>;
  /** False once any read failed: nothing may then be offboarded. */
  readonly complete: boolean;
  readonly idsOnly: boolean;
  /** Every userid handed on so far (members not in it after the whole read are gone from WeCom). */
  readonly seen: ReadonlySet<string>;
  /** Stops starting reads (the consumer gave up). */
  close(): void;
}
