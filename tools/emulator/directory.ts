import { emuError } from './emu-error';
import type { EmuDepartment, EmuMember, EmuMemberStatus } from './model';

export const MAX_DEPARTMENT_DEPTH = 15;

export type DirectoryChange =
  | { type: 'create_user'; member: EmuMember }
  | { type: 'update_user'; member: EmuMember; previousUserid: string | null }
  | { type: 'delete_user'; userid: string; department: number[] }
  | { type: 'create_party'; department: EmuDepartment }
  | { type: 'update_party'; department: EmuDepartment; parentChanged: boolean }
  | { type: 'delete_party'; id: number; parentid: number };

export interface MemberInput {
  userid: string;
  name: string;
  department: number[];
  order?: number[];
  is_leader_in_dept?: number[];
  main_department?: number;
  position?: string;
  mobile?: string;
  gender?: '0' | '1' | '2';
  email?: string;
  biz_mail?: string;
  avatar?: string;
  telephone?: string;
  alias?: string;
  address?: string;
  direct_leader?: string[];
  status?: EmuMemberStatus;
}

export type MemberPatch = Partial<Omit<MemberInput, 'userid'>> & { new_userid?: string };

export interface DepartmentInput {
  id: number;
  name: string;
  name_en?: string;
  parentid: number;
  order?: number;
}

/**
 * The corp's departments and members, with the checks WeCom's own contact APIs make (unique
 * userid and mobile, existing departments, depth ≤ 15, no deleting non-empty departments).
 * Userids are case-insensitive, as in WeCom. Every change is reported to the listeners, which
 * is how contact-change callbacks are produced.
 */
export class EmulatorDirectory {
  private readonly departments = new Map<number, EmuDepartment>();
  /** lower-case userid → member */
  private readonly members = new Map<string, EmuMember>();
  private readonly membersByDept = new Map<number, Set<string>>();
  /** national mobile digits → lower-case userid, for WeCom's unique-mobile rule */
  private readonly mobiles = new Map<string, string>();
  private readonly listeners: Array<(change: DirectoryChange) => void> = [];
  /** Bumped on every change, so derived views (visible ranges) know when to recompute. */
  version = 0;

  constructor(readonly corpName: string) {}

  onChange(listener: (change: DirectoryChange) => void): void {
    this.listeners.push(listener);
  }

  // ---- reads

  department(id: number): EmuDepartment | undefined {
    return this.departments.get(id);
  }

  allDepartments(): EmuDepartment[] {
    return [...this.departments.values()];
  }

  member(userid: string): EmuMember | undefined {
    return this.members.get(userid.toLowerCase());
  }

  allMembers(): IterableIterator<EmuMember> {
    return this.members.values();
  }

  get memberCount(): number {
    return this.members.size;
  }

  get departmentCount(): number {
    return this.departments.size;
  }

  /** Direct members of a department. */
  membersOf(departmentId: number): EmuMember[] {
    return [...(this.membersByDept.get(departmentId) ?? [])].map((k) => this.members.get(k)!);
  }

  /** The department and all below it, parents before children. */
  subtree(rootId: number): EmuDepartment[] {
    const children = new Map<number, EmuDepartment[]>();
    for (const d of this.departments.values()) {
      const list = children.get(d.parentid) ?? [];
      list.push(d);
      children.set(d.parentid, list);
    }
    const root = this.departments.get(rootId);
    if (!root) return [];
    const out: EmuDepartment[] = [];
    const queue = [root];
    while (queue.length) {
      const d = queue.shift()!;
      out.push(d);
      queue.push(...(children.get(d.id) ?? []));
    }
    return out;
  }

  depth(id: number): number {
    let depth = 0;
    for (let d = this.departments.get(id); d && d.parentid !== 0; d = this.departments.get(d.parentid)) depth += 1;
    return depth + 1;
  }

  /** A department as WeCom returns it, with its leaders derived from memberships. */
  departmentView(d: EmuDepartment): EmuDepartment {
    const leaders = this.membersOf(d.id)
      .filter((m) => m.is_leader_in_dept[m.department.indexOf(d.id)] === 1)
      .map((m) => m.userid);
    return { ...d, department_leader: leaders };
  }

  // ---- departments

  addDepartment(input: DepartmentInput, opts: { silent?: boolean } = {}): EmuDepartment {
    if (!Number.isInteger(input.id) || input.id < 1) throw emuError(60123, `id ${input.id}`);
    if (this.departments.has(input.id)) throw emuError(40058, `department ${input.id} exists`);
    if (input.parentid !== 0 && !this.departments.has(input.parentid)) throw emuError(60003, `parent ${input.parentid}`);
    if (input.parentid === 0 && this.departments.size > 0) throw emuError(40058, 'the corp already has a root department');
    if (input.parentid !== 0 && this.depth(input.parentid) >= MAX_DEPARTMENT_DEPTH)
      throw emuError(40058, `departments nest at most ${MAX_DEPARTMENT_DEPTH} levels`);
    const d: EmuDepartment = {
      id: input.id,
      name: input.name,
      name_en: input.name_en,
      parentid: input.parentid,
      order: input.order ?? 0,
      department_leader: [],
    };
    this.departments.set(d.id, d);
    this.version += 1;
    if (!opts.silent) this.emit({ type: 'create_party', department: { ...d } });
    return d;
  }

  updateDepartment(id: number, patch: Partial<Omit<DepartmentInput, 'id'>>): EmuDepartment {
    const d = this.requireDepartment(id);
    const parentChanged = patch.parentid !== undefined && patch.parentid !== d.parentid;
    if (parentChanged) {
      const parent = patch.parentid!;
      if (!this.departments.has(parent)) throw emuError(60003, `parent ${parent}`);
      if (this.subtree(id).some((x) => x.id === parent)) throw emuError(40058, 'a department cannot move below itself');
      const height = Math.max(...this.subtree(id).map((x) => this.depth(x.id))) - this.depth(id) + 1;
      if (this.depth(parent) + height > MAX_DEPARTMENT_DEPTH) throw emuError(40058, `departments nest at most ${MAX_DEPARTMENT_DEPTH} levels`);
    }
    Object.assign(d, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    this.emit({ type: 'update_party', department: { ...d }, parentChanged });
    return d;
  }

  removeDepartment(id: number): void {
    const d = this.requireDepartment(id);
    if (this.membersByDept.get(id)?.size) throw emuError(60005, `department ${id}`);
    if (this.subtree(id).length > 1) throw emuError(60006, `department ${id}`);
    this.departments.delete(id);
    this.membersByDept.delete(id);
    this.emit({ type: 'delete_party', id, parentid: d.parentid });
  }

  // ---- members

  addMember(input: MemberInput, opts: { silent?: boolean } = {}): EmuMember {
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(input.userid)) throw emuError(40003, input.userid);
    if (this.members.has(input.userid.toLowerCase())) throw emuError(60102, input.userid);
    const m = this.normalise(input);
    this.checkMember(m, null);
    this.members.set(m.userid.toLowerCase(), m);
    this.index(m);
    this.version += 1;
    if (!opts.silent) this.emit({ type: 'create_user', member: { ...m } });
    return m;
  }

  updateMember(userid: string, patch: MemberPatch): EmuMember {
    const current = this.requireMember(userid);
    const { new_userid, ...fields } = patch;
    const next = this.normalise({ ...current, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) } as MemberInput);
    if (fields.department && !fields.order) next.order = fields.department.map(() => 0);
    if (fields.department && !fields.is_leader_in_dept) next.is_leader_in_dept = fields.department.map(() => 0);
    if (fields.department && fields.main_department === undefined && !fields.department.includes(current.main_department))
      next.main_department = fields.department[0];
    let previousUserid: string | null = null;
    if (new_userid && new_userid !== current.userid) {
      if (this.members.has(new_userid.toLowerCase())) throw emuError(60102, new_userid);
      previousUserid = current.userid;
      next.userid = new_userid;
    }
    this.checkMember(next, current);
    this.unindex(current);
    this.members.delete(current.userid.toLowerCase());
    this.members.set(next.userid.toLowerCase(), next);
    this.index(next);
    this.emit({ type: 'update_user', member: { ...next }, previousUserid });
    return next;
  }

  removeMember(userid: string): void {
    const m = this.requireMember(userid);
    this.unindex(m);
    this.members.delete(m.userid.toLowerCase());
    this.emit({ type: 'delete_user', userid: m.userid, department: m.department });
  }

  private normalise(input: MemberInput): EmuMember {
    const department = [...input.department];
    return {
      userid: input.userid,
      name: input.name,
      department,
      order: input.order ?? department.map(() => 0),
      is_leader_in_dept: input.is_leader_in_dept ?? department.map(() => 0),
      main_department: input.main_department ?? department[0],
      position: input.position ?? '',
      mobile: input.mobile ?? '',
      gender: input.gender ?? '0',
      email: input.email ?? '',
      biz_mail: input.biz_mail ?? '',
      avatar: input.avatar ?? `https://wework.qpic.cn/wwhead/emu_${input.userid}/0`,
      telephone: input.telephone ?? '',
      alias: input.alias ?? '',
      address: input.address ?? '',
      direct_leader: input.direct_leader ?? [],
      status: input.status ?? 1,
    };
  }

  private checkMember(m: EmuMember, previous: EmuMember | null): void {
    if (!m.name) throw emuError(40058, 'name is required');
    if (!m.department.length) throw emuError(40066, 'a member needs at least one department');
    if (m.department.length > 20) throw emuError(60110, m.userid);
    for (const id of m.department) if (!this.departments.has(id)) throw emuError(60003, `department ${id}`);
    if (m.order.length !== m.department.length || m.is_leader_in_dept.length !== m.department.length) {
      throw emuError(40058, 'order and is_leader_in_dept must be parallel to department');
    }
    if (!m.department.includes(m.main_department)) throw emuError(40058, 'main_department must be one of department');
    if (![1, 2, 4, 5].includes(m.status)) throw emuError(40058, `status ${m.status}`);
    const owner = m.mobile ? this.mobiles.get(mobileDigits(m.mobile)) : undefined;
    if (owner !== undefined && owner !== (previous ?? m).userid.toLowerCase()) throw emuError(60104, m.mobile);
  }

  private index(m: EmuMember): void {
    const key = m.userid.toLowerCase();
    if (m.mobile) this.mobiles.set(mobileDigits(m.mobile), key);
    for (const id of m.department) {
      let set = this.membersByDept.get(id);
      if (!set) this.membersByDept.set(id, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(m: EmuMember): void {
    if (m.mobile) this.mobiles.delete(mobileDigits(m.mobile));
    for (const id of m.department) this.membersByDept.get(id)?.delete(m.userid.toLowerCase());
  }

  private requireDepartment(id: number): EmuDepartment {
    const d = this.departments.get(id);
    if (!d) throw emuError(60003, `department ${id}`);
    return d;
  }

  private requireMember(userid: string): EmuMember {
    const m = this.members.get(userid.toLowerCase());
    if (!m) throw emuError(60111, userid);
    return m;
  }

  private emit(change: DirectoryChange): void {
    this.version += 1;
    for (const listener of this.listeners) listener(change);
  }
}

/** `+86 138-0000-0000` and `13800000000` are the same mobile. */
function mobileDigits(mobile: string): string {
  return mobile.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '');
}
