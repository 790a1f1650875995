import { Injectable, Logger } from '@nestjs/common';
import type { Authenticator } from '../../auth/authenticators/authenticator';
import { WecomClientFactory } from '../../wecom/wecom-client.factory';
import type { WecomClient } from '../../wecom/wecom-client';
import { WecomMetrics } from '../../wecom/wecom-metrics';
import { WecomException } from '../../wecom/wecom.exception';
import type { WecomUser } from '../../wecom/wecom.schemas';
import type { DirectoryDepartment, DirectoryMember, DirectorySnapshot, MemberStatus } from './directory.types';

/** Concurrent reads; the client's rate budget keeps the pace under WeCom's limit. */
const CONCURRENCY = 8;

const byUserid = (x: DirectoryMember, y: DirectoryMember) => (x.userid < y.userid ? -1 : x.userid > y.userid ? 1 : 0);

/**
 * Reads the directory with the right strategy for the credentials: the contact-sync secret reads
 * the whole corp (simplelist + user/list per department, or list_id ids only after 48009); the
 * app secret reads its visible range department by department. Events re-read single members
 * with user/get. Any failed read makes the snapshot incomplete, which is what
 * stops the plan from offboarding anyone.
 */
@Injectable()
export class DirectoryFetcher {
  private readonly logger = new Logger(DirectoryFetcher.name);

  constructor(
    private readonly wecom: WecomClientFactory,
    private readonly metrics: WecomMetrics,
  ) {}

  /** WeCom calls made since this counter was created (process-wide, so logins in between count too). */
  callCounter(): () => number {
    const start = this.metrics.total();
    return () => this.metrics.total() - start;
  }

  async fetch(authenticator: Authenticator, onProgress: (done: number, total: number) => void = () => undefined): Promise<DirectorySnapshot> {
    if (!authenticator.contactSecret) {
      const client = this.wecom.forCredentials(authenticator.corpId, authenticator.secret);
      const departments = (await client.listDepartments()).map((d) => ({ id: d.id, parentId: d.parentid, name: d.name ?? null, order: d.order }));
      // An app token is never refused details (48009 concerns the contact-sync secret only).
      return (await this.byDepartment(client, departments, onProgress)) ?? { departments, members: [], complete: false, idsOnly: false };
    }
    const client = this.wecom.forCredentials(authenticator.corpId, authenticator.contactSecret);
    const { departments, idsOnly } = await this.departments(client);
    const snapshot = idsOnly ? null : await this.byDepartment(client, departments, onProgress);
    if (snapshot) return snapshot;
    this.logger.warn(`${authenticator.name}: WeCom forbids member details for this contact-sync secret here (48009); syncing ids and departments only`);
    return this.idsOnly(client, departments);
  }

  /** Just these members (an event named them), with the department tree for mapping. */
  async fetchMembers(authenticator: Authenticator, userids: string[]): Promise<DirectorySnapshot> {
    const client = this.wecom.forCredentials(authenticator.corpId, authenticator.contactSecret ?? authenticator.secret);
    const { departments, idsOnly } = await this.departments(client);
    const state = { complete: true };
    const members = idsOnly ? null : await this.details(client, userids, state);
    // Without details nothing about these members is known: an incomplete, empty snapshot changes nothing.
    if (!members) return { departments, members: [], complete: false, idsOnly: true };
    return { departments, members, complete: state.complete, idsOnly: false };
  }

  /**
   * Members with details through user/list, one call per department: the same objects as user/get in
   * departments-many calls instead of members-many (100,000 user/get calls would take ten minutes
   * under WeCom's 10,000 per minute per API). Null when WeCom refuses details (48009).
   */
  private async byDepartment(
    client: WecomClient,
    departments: DirectoryDepartment[],
    onProgress: (done: number, total: number) => void,
  ): Promise<DirectorySnapshot | null> {
    const members = new Map<string, DirectoryMember>();
    let complete = true;
    let refused = false;
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < departments.length && !refused) {
        const d = departments[next++];
        try {
          for (const u of await client.listUsers(d.id)) if (!members.has(u.userid)) members.set(u.userid, toMember(u));
        } catch (error) {
          if (isNewIpRefusal(error)) refused = true;
          else {
            complete = false;
            this.logger.warn(`members of department ${d.id} could not be read: ${(error as Error).message}`);
          }
        }
        onProgress(++done, departments.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, departments.length) }, worker));
    if (refused) return null;
    return { departments, members: [...members.values()].sort(byUserid), complete, idsOnly: false };
  }

  /** user/list_id pages: every userid with its departments, nothing else (names stay unknown, not empty). */
  private async idsOnly(client: WecomClient, departments: DirectoryDepartment[]): Promise<DirectorySnapshot> {
    const memberships = new Map<string, number[]>();
    for await (const rows of client.userIdPages()) {
      for (const r of rows) {
        const list = memberships.get(r.userid) ?? [];
        list.push(r.department);
        memberships.set(r.userid, list);
      }
    }
    const members = [...memberships].map(([userid, depts]) => idOnlyMember(userid, depts)).sort(byUserid);
    return { departments: departments.map((d) => ({ ...d, name: null })), members, complete: true, idsOnly: true };
  }

  /** The tree from simplelist, names from department/list unless WeCom refuses them (48009). */
  private async departments(client: WecomClient): Promise<{ departments: DirectoryDepartment[]; idsOnly: boolean }> {
    const refs = await client.listDepartmentIds();
    let names = new Map<number, string | undefined>();
    let idsOnly = false;
    try {
      names = new Map((await client.listDepartments()).map((d) => [d.id, d.name]));
    } catch (error) {
      if (!isNewIpRefusal(error)) throw error;
      idsOnly = true;
    }
    return { departments: refs.map((r) => ({ id: r.id, parentId: r.parentid, order: r.order, name: names.get(r.id) ?? null })), idsOnly };
  }

  /**
   * user/get for each userid, a few at a time. A member gone since the id list was read is left
   * out; any other failure marks the snapshot incomplete. Null when WeCom refuses details (48009).
   */
  private async details(client: WecomClient, userids: string[], state: { complete: boolean }): Promise<DirectoryMember[] | null> {
    const members: DirectoryMember[] = [];
    let next = 0;
    let refused = false;
    const worker = async () => {
      while (next < userids.length && !refused) {
        const userid = userids[next++];
        try {
          members.push(toMember(await client.getUser(userid)));
        } catch (error) {
          if (isNewIpRefusal(error)) refused = true;
          else if (!(error instanceof WecomException && error.code === 'WECOM_USER_NOT_FOUND')) {
            state.complete = false;
            this.logger.warn(`member ${userid} could not be read: ${(error as Error).message}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, userids.length) }, worker));
    return refused ? null : members.sort(byUserid);
  }
}

function isNewIpRefusal(error: unknown): boolean {
  return error instanceof WecomException && error.code === 'WECOM_DETAIL_API_FORBIDDEN_FOR_NEW_IP';
}

export function toMember(u: WecomUser): DirectoryMember {
  return {
    userid: u.userid,
    name: u.name || null,
    departments: u.department,
    leaderIn: u.is_leader_in_dept ?? u.department.map(() => 0),
    mainDepartment: u.main_department ?? u.department[0] ?? null,
    status: [1, 2, 4, 5].includes(u.status ?? 0) ? (u.status as MemberStatus) : null,
    mobile: u.mobile || null,
    email: u.email || u.biz_mail || null,
    position: u.position || null,
  };
}

function idOnlyMember(userid: string, departments: number[]): DirectoryMember {
  return {
    userid,
    name: null,
    departments,
    leaderIn: departments.map(() => 0),
    mainDepartment: departments[0] ?? null,
    status: null,
    mobile: null,
    email: null,
    position: null,
  };
}
