import type { ServerResponse } from 'node:http';
import type { CallbackConfig, TagChange } from './callbacks';
import type { MemberInput, MemberPatch, DepartmentInput } from './directory';
import { EmuError } from './emu-error';
import type { FaultInput } from './faults';
import type { EmuApp, EmuPolicy } from './model';
import type { WecomEmulator } from './server';

type Route = [method: string, pattern: RegExp, run: (emu: WecomEmulator, match: RegExpMatchArray, body: any) => unknown | Promise<unknown>];

/**
 * The emulator's own admin API under `/_emulator/` (not WeCom's): change the directory at run
 * time (which also sends contact callbacks), inject faults, change policies, end tokens early.
 */
const ROUTES: Route[] = [
  [
    'GET',
    /^\/_emulator\/state$/,
    (e) => ({
      corpId: e.corpId,
      agentId: e.agentId,
      members: e.directory.memberCount,
      departments: e.directory.departmentCount,
      app: { ...e.app, secret: undefined },
      policy: e.policy,
      faults: e.faults.list(),
      callbacks: e.callbacks.configured ? { ...e.callbacks.configured, token: undefined, encodingAesKey: undefined } : null,
    }),
  ],
  ['GET', /^\/_emulator\/stats$/, (e) => e.stats()],
  ['GET', /^\/_emulator\/members\/([^/]+)$/, (e, m) => e.directory.member(decodeURIComponent(m[1])) ?? notFound('member')],
  ['POST', /^\/_emulator\/members$/, (e, _m, body: MemberInput) => e.directory.addMember(body)],
  ['PATCH', /^\/_emulator\/members\/([^/]+)$/, (e, m, body: MemberPatch) => e.directory.updateMember(decodeURIComponent(m[1]), body)],
  ['DELETE', /^\/_emulator\/members\/([^/]+)$/, (e, m) => (e.directory.removeMember(decodeURIComponent(m[1])), { removed: true })],
  ['POST', /^\/_emulator\/departments$/, (e, _m, body: DepartmentInput) => e.directory.addDepartment(body)],
  ['PATCH', /^\/_emulator\/departments\/(\d+)$/, (e, m, body: Partial<DepartmentInput>) => e.directory.updateDepartment(Number(m[1]), body)],
  ['DELETE', /^\/_emulator\/departments\/(\d+)$/, (e, m) => (e.directory.removeDepartment(Number(m[1])), { removed: true })],
  [
    'POST',
    /^\/_emulator\/tags\/(\d+)\/changes$/,
    (e, m, body: Omit<TagChange, 'tagId'>) => (e.callbacks.tagChanged({ ...body, tagId: Number(m[1]) }), { sent: true }),
  ],
  ['GET', /^\/_emulator\/faults$/, (e) => e.faults.list()],
  ['POST', /^\/_emulator\/faults$/, (e, _m, body: FaultInput) => e.faults.add(body)],
  ['DELETE', /^\/_emulator\/faults$/, (e) => (e.faults.clear(), { cleared: true })],
  ['POST', /^\/_emulator\/tokens\/invalidate$/, (e) => ({ invalidated: e.tokens.invalidateAll() })],
  ['PATCH', /^\/_emulator\/policy$/, (e, _m, body: Partial<EmuPolicy>) => Object.assign(e.policy, body)],
  [
    'PATCH',
    /^\/_emulator\/app$/,
    (e, _m, body: Partial<EmuApp>) => ({ ...Object.assign(e.app, { ...body, agentId: e.app.agentId, secret: e.app.secret }), secret: undefined }),
  ],
  [
    'PUT',
    /^\/_emulator\/callbacks$/,
    (e, _m, body: CallbackConfig | null) => (e.callbacks.configure(body && body.url ? body : null), { configured: Boolean(body?.url) }),
  ],
  ['POST', /^\/_emulator\/callbacks\/verify$/, (e) => e.callbacks.verifyUrl()],
  ['GET', /^\/_emulator\/callbacks\/deliveries$/, async (e) => (await e.callbacks.idle(), e.callbacks.deliveries)],
];

export function adminRoutes(emulator: () => WecomEmulator) {
  return async (method: string, url: URL, rawBody: string, res: ServerResponse): Promise<void> => {
    const route = ROUTES.map(([m, p, run]) => ({ m, match: url.pathname.match(p), run })).find((r) => r.match && r.m === method);
    if (!route) return send(res, 404, { error: `no emulator admin route ${method} ${url.pathname}` });
    let body: unknown = null;
    try {
      body = rawBody ? JSON.parse(rawBody) : {};
    } catch {
      return send(res, 400, { error: 'the body is not JSON' });
    }
    try {
      send(res, 200, { data: await route.run(emulator(), route.match!, body) });
    } catch (error) {
      if (error instanceof EmuError) return send(res, 400, { errcode: error.errcode, error: error.message });
      send(res, 400, { error: (error as Error).message });
    }
  };
}

function notFound(what: string): never {
  throw new EmuError(404, `${what} not found`);
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
}
