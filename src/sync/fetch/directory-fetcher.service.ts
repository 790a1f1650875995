import { Injectable, Logger } from '@nestjs/common';
import type { Authenticator } from '../../auth/authenticators/authenticator';
import { WecomClientFactory } from '../../wecom/wecom-client.factory';
import type { WecomClient } from '../../wecom/wecom-client';
import { WecomMetrics } from '../../wecom/wecom-metrics';
import { WecomException } from '../../wecom/wecom.exception';
import type { WecomUser } from '../../wecom/wecom.schemas';
import type { DirectoryDepartment, DirectoryMember, DirectoryRead, DirectorySnapshot, MemberStatus } from './directory.types';

/** Concurrent reads; the client's rate budget keeps the pace under WeCom's limit. */
const CONCURRENCY = 8;
/** Departments read ahead of the one handed on next: room for the reads to go on while a batch is written. */
const WINDOW = 256;

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

  /** The whole directory at once (the CLI's `fetch`, and runs limited to a few members): a `read` collected. */
  async fetch(authenticator: Authenticator, onProgress: (done: number, total: number) => void = () => undefined): Promise<DirectorySnapshot> {
    const read = await this.read(authenticator, { onProgress });
    const members: DirectoryMember[] = [];
    for await (const batch of read.members) for (const m of batch) members.push(m);
    return { departments: read.departments, members: members.sort(byUserid), complete: read.complete, idsOnly: read.idsOnly };
  }

  /**
   * The directory as it arrives: the department tree first (read before this resolves; a failure
   * there throws), then members in batches while the reads go on, so a run can plan and write one
   * batch while WeCom answers for the next. Each member comes once, from the first department (in
   * tree order) that lists it; batches follow department order whatever order the answers come in,
   * so the same directory always arrives the same way. `complete` is final once `members` ends.
   */
  async read(authenticator: Authenticator, o: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<DirectoryRead> {
    const batchSize = o.batchSize ?? 2_000;
    const onProgress = o.onProgress ?? (() => undefined);
    const state: ReadState = { complete: true, idsOnly: false, seen: new Set(), closed: false };
    if (!authenticator.contactSecret) {
      const client = this.wecom.forCredentials(authenticator.corpId, authenticator.secret);
      const departments = (await client.listDepartments()).map((d) => ({ id: d.id, parentId: d.parentid, name: d.name ?? null, order: d.order }));
      const self = this;
      async function* members() {
        const refused = yield* self.byDepartment(client, departments, state, batchSize, onProgress);
        // An app token is never refused details (48009 concerns the contact-sync secret only).
        if (refused) state.complete = false;
      }
      return readOf(departments, state, members());
    }
    const client = this.wecom.forCredentials(authenticator.corpId, authenticator.contactSecret);
    const tree = await this.departments(client);
    state.idsOnly = tree.idsOnly;
    const self = this;
    async function* members() {
      const refused = tree.idsOnly || (yield* self.byDepartment(client, tree.departments, state, batchSize, onProgress));
      if (!refused) return;
      self.logger.warn(`${authenticator.name}: WeCom forbids member details for this contact-sync secret here (48009); syncing ids and departments only`);
      state.idsOnly = true;
      yield* self.idsOnly(client, state, batchSize);
    }
    return readOf(tree.idsOnly ? tree.departments.map((d) => ({ ...d, name: null })) : tree.departments, state, members());
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
   * under WeCom's 10,000 per minute per API). CONCURRENCY reads at a time, at most WINDOW departments
   * ahead of the one whose members are handed on next (bounded memory when the consumer is slower).
   * Returns true when WeCom refuses details (48009).
   */
  private async *byDepartment(
    client: WecomClient,
    departments: DirectoryDepartment[],
    state: ReadState,
    batchSize: number,
    onProgress: (done: number, total: number) => void,
  ): AsyncGenerator<DirectoryMember[], boolean> {
    type Answer = { users: WecomUser[] } | { error: unknown };
    const answers = new Map<number, Promise<Answer>>();
    let next = 0;
    let cursor = 0;
    let active = 0;
    let refused = false;
    let done = 0;
    const start = () => {
      while (active < CONCURRENCY && next < departments.length && next < cursor + WINDOW && !refused && !state.closed) {
        const d = departments[next++];
        active += 1;
        const answer = client.listUsers(d.id).then(
          (users): Answer => ({ users }),
          (error: unknown): Answer => ({ error }),
        );
        answers.set(next - 1, answer);
        void answer.then((a) => {
          active -= 1;
          if ('error' in a && isNewIpRefusal(a.error)) refused = true;
          onProgress(++done, departments.length);
          start();
        });
      }
    };
    start();
    let batch: DirectoryMember[] = [];
    for (; cursor < departments.length && !refused && !state.closed; cursor++) {
      start();
      const answer = await answers.get(cursor)!;
      answers.delete(cursor);
      if ('error' in answer) {
        if (isNewIpRefusal(answer.error)) break;
        state.complete = false;
        this.logger.warn(`members of department ${departments[cursor].id} could not be read: ${(answer.error as Error).message}`);
        continue;
      }
      for (const u of answer.users) {
        if (state.seen.has(u.userid)) continue;
        state.seen.add(u.userid);
        batch.push(toMember(u));
      }
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    // Reads still in flight (after a refusal or a close) settle on their own; nothing waits for them.
    if (batch.length && !refused) yield batch;
    return refused;
  }

  /** user/list_id pages: every userid with its departments, nothing else (names stay unknown, not empty); members already read with details are left out. */
  private async *idsOnly(client: WecomClient, state: ReadState, batchSize: number): AsyncGenerator<DirectoryMember[]> {
    const memberships = new Map<string, number[]>();
    for await (const rows of client.userIdPages()) {
      for (const r of rows) {
        if (state.seen.has(r.userid)) continue;
        const list = memberships.get(r.userid) ?? [];
        list.push(r.department);
        memberships.set(r.userid, list);
      }
    }
    // A member's departments may span pages: members are handed on only once every page is read.
    const members = [...memberships].map(([userid, depts]) => idOnlyMember(userid, depts)).sort(byUserid);
    for (const m of members) state.seen.add(m.userid);
    for (let i = 0; i < members.length && !state.closed; i += batchSize) yield members.slice(i, i + batchSize);
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

interface ReadState {
  complete: boolean;
  idsOnly: boolean;
  seen: Set<string>;
  closed: boolean;
}

function readOf(departments: DirectoryDepartment[], state: ReadState, members: AsyncGenerator<DirectoryMember[]>): DirectoryRead {
  return {
    departments,
    members,
    get complete() {
      return state.complete;
    },
    get idsOnly() {
      return state.idsOnly;
    },
    seen: state.seen,
    close() {
      state.closed = true;
    },
  };
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
