import { Injectable, Logger } from '@nestjs/common';
import type { Authenticator } from '../auth/authenticator';
import { WecomClientFactory } from '../wecom/wecom-client.factory';
import type { WecomClient } from '../wecom/wecom-client';
import { WecomMetrics } from '../wecom/wecom-metrics';
import { WecomException } from '../wecom/wecom.exception';
import type { WecomUser } from '../wecom/wecom.schemas';
import type { DirectoryDepartment, DirectoryMember, DirectorySnapshot, MemberStatus } from './directory.types';

/** Concurrent user/get calls; the client's rate budget keeps the pace under WeCom's limit. */
const DETAIL_CONCURRENCY = 8;

/**
 * Reads the directory with the right strategy for the credentials: the contact-sync secret reads
 * the whole corp (list_id + user/get, or ids only after 48009); the app secret reads its visible
 * range department by department. Any failed read makes the snapshot incomplete, which is what
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

  async fetch(a: Authenticator, onProgress: (done: number, total: number) => void = () => undefined): Promise<DirectorySnapshot> {
    return a.contactSecret ? this.viaContactSecret(a, this.wecom.forCredentials(a.corpId, a.contactSecret), onProgress) : this.viaApp(this.wecom.forCredentials(a.corpId, a.secret), onProgress);
  }

  /** Just these members (an event named them), with the department tree for mapping. */
  async fetchMembers(a: Authenticator, userids: string[]): Promise<DirectorySnapshot> {
    const client = this.wecom.forCredentials(a.corpId, a.contactSecret ?? a.secret);
    const { departments, idsOnly } = await this.departments(client);
    const state = { complete: true, idsOnly };
    const members = await this.details(client, userids, state, () => undefined);
    return { departments, members: members ?? userids.map((u) => idOnlyMember(u, [])), complete: state.complete, idsOnly: state.idsOnly };
  }

  private async viaContactSecret(a: Authenticator, client: WecomClient, onProgress: (done: number, total: number) => void): Promise<DirectorySnapshot> {
    const { departments, idsOnly } = await this.departments(client);
    const memberships = new Map<string, number[]>();
    for await (const rows of client.userIdPages()) {
      for (const r of rows) {
        const list = memberships.get(r.userid) ?? [];
        list.push(r.department);
        memberships.set(r.userid, list);
      }
    }
    const state = { complete: true, idsOnly };
    const members = idsOnly ? null : await this.details(client, [...memberships.keys()], state, onProgress);
    if (!members) {
      this.logger.warn(`${a.name}: WeCom forbids member details for this contact-sync secret here (48009); syncing ids and departments only`);
      state.idsOnly = true;
    }
    return {
      departments,
      members: members ?? [...memberships].map(([userid, depts]) => idOnlyMember(userid, depts)),
      complete: state.complete,
      idsOnly: state.idsOnly,
    };
  }

  private async viaApp(client: WecomClient, onProgress: (done: number, total: number) => void): Promise<DirectorySnapshot> {
    const departments = (await client.listDepartments()).map((d) => ({ id: d.id, parentId: d.parentid, name: d.name ?? null, order: d.order }));
    const members = new Map<string, DirectoryMember>();
    let complete = true;
    let done = 0;
    for (const d of departments) {
      try {
        for (const u of await client.listUsers(d.id)) members.set(u.userid, toMember(u));
      } catch (error) {
        complete = false;
        this.logger.warn(`members of department ${d.id} could not be read: ${(error as Error).message}`);
      }
      onProgress(++done, departments.length);
    }
    return { departments, members: [...members.values()], complete, idsOnly: false };
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
  private async details(client: WecomClient, userids: string[], state: { complete: boolean }, onProgress: (done: number, total: number) => void): Promise<DirectoryMember[] | null> {
    const members: DirectoryMember[] = [];
    let next = 0;
    let done = 0;
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
        onProgress(++done, userids.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(DETAIL_CONCURRENCY, userids.length) }, worker));
    return refused ? null : members.sort((x, y) => (x.userid < y.userid ? -1 : x.userid > y.userid ? 1 : 0));
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
  return { userid, name: null, departments, leaderIn: departments.map(() => 0), mainDepartment: departments[0] ?? null, status: null, mobile: null, email: null, position: null };
}
