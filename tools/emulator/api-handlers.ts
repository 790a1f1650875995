import type { EmulatorDirectory } from './directory';
import { emuError } from './emu-error';
import type { EmuApp, EmuDepartment, EmuMember, EmuPolicy } from './model';
import type { OAuthStore } from './oauth';
import type { IssuedToken, TokenIssuer } from './tokens';
import type { Visibility } from './visibility';

export interface ApiRequest {
  query: URLSearchParams;
  body: Record<string, unknown> | null;
  ip: string;
}

export interface ApiContext {
  corpId: string;
  directory: EmulatorDirectory;
  tokens: TokenIssuer;
  oauth: OAuthStore;
  visibility: Visibility;
  policy: EmuPolicy;
  app(agentId: number | null): EmuApp | null;
}

type Handler = (req: ApiRequest, ctx: ApiContext) => Record<string, unknown>;

/** Fields a self-built app created after 2022-06-20 no longer gets from user reads. */
const SENSITIVE = ['avatar', 'thumb_avatar', 'gender', 'mobile', 'email', 'biz_mail', 'qr_code', 'address'] as const;
/** Readers a contact-sync secret may not call from an IP added after 2022-08-15. */
const DETAIL_READERS = new Set(['user/get', 'user/list', 'user/simplelist', 'department/list', 'department/get']);

export const POST_APIS = new Set(['auth/getuserdetail', 'user/list_id']);

/** The /cgi-bin APIs, by path. Each throws EmuError for WeCom's errcodes. */
export const API_HANDLERS: Record<string, Handler> = {
  gettoken: (req, ctx) => {
    const t = ctx.tokens.issue(req.query.get('corpid'), req.query.get('corpsecret'), req.ip);
    return { access_token: t.token, expires_in: Math.max(1, Math.ceil((t.expiresAt - Date.now()) / 1000)) };
  },

  'auth/getuserinfo': (req, ctx) => {
    const { member, code } = consumeCode(req, ctx);
    if (!member) return { openid: code.openid };
    return code.userTicket ? { userid: member, user_ticket: code.userTicket, expires_in: ctx.policy.userTicketTtlSeconds } : { userid: member };
  },

  /** The pre-2022 spelling, still called by some SDKs. */
  'user/getuserinfo': (req, ctx) => {
    const { member, code } = consumeCode(req, ctx);
    if (!member) return { OpenId: code.openid };
    return code.userTicket
      ? { UserId: member, DeviceId: '', user_ticket: code.userTicket, expires_in: ctx.policy.userTicketTtlSeconds }
      : { UserId: member, DeviceId: '' };
  },

  'auth/getuserdetail': (req, ctx) => {
    const token = appToken(req, ctx);
    const ticket = typeof req.body?.user_ticket === 'string' ? req.body.user_ticket : null;
    const grant = ticket ? ctx.oauth.ticket(ticket) : null;
    if (!grant || grant.agentId !== token.agentId) throw emuError(40058, 'invalid user_ticket');
    const m = ctx.directory.member(grant.userid);
    if (!m) throw emuError(60111, grant.userid);
    const app = ctx.app(token.agentId)!;
    if (!app.sensitiveFieldsEnabled) return { userid: m.userid, gender: '0', avatar: DEFAULT_AVATAR };
    return {
      userid: m.userid,
      gender: m.gender,
      avatar: m.avatar,
      qr_code: `https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=${m.userid}`,
      mobile: m.mobile,
      email: m.email,
      biz_mail: m.biz_mail,
      address: m.address,
    };
  },

  'user/get': (req, ctx) => {
    const { app } = reader(req, ctx, 'user/get');
    const userid = req.query.get('userid');
    if (!userid || !/^[A-Za-z0-9_.@-]{1,64}$/.test(userid)) throw emuError(40003, userid ?? '');
    const m = ctx.directory.member(userid);
    if (!m || !ctx.visibility.memberVisible(app, m)) throw emuError(60111, userid);
    return memberView(m, app, ctx);
  },

  'user/simplelist': (req, ctx) => {
    const { app } = reader(req, ctx, 'user/simplelist');
    return { userlist: membersIn(req, ctx, app).map((m) => ({ userid: m.userid, name: m.name, department: visibleDepartments(m, app, ctx).department })) };
  },

  'user/list': (req, ctx) => {
    const { app } = reader(req, ctx, 'user/list');
    return { userlist: membersIn(req, ctx, app).map((m) => memberView(m, app, ctx)) };
  },

  'user/list_id': (req, ctx) => {
    const token = ctx.tokens.resolve(req.query.get('access_token'));
    if (token.kind !== 'contact') throw emuError(48002, 'user/list_id needs the contact-sync secret');
    const limit = req.body?.limit === undefined ? 1000 : Number(req.body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw emuError(40058, 'limit must be 1..10000');
    let offset = 0;
    if (req.body?.cursor !== undefined && req.body.cursor !== '') {
      offset = Number(Buffer.from(String(req.body.cursor), 'base64url').toString('utf8').replace(/^emu:/, ''));
      if (!Number.isInteger(offset) || offset < 0) throw emuError(40058, 'invalid cursor');
    }
    const rows: Array<{ userid: string; department: number }> = [];
    let index = 0;
    for (const m of ctx.directory.allMembers()) {
      for (const department of m.department) {
        if (index >= offset && rows.length < limit) rows.push({ userid: m.userid, department });
        index += 1;
      }
      if (rows.length === limit && index > offset + limit) break;
    }
    const end = offset + rows.length;
    const more = end < totalMemberships(ctx.directory);
    return { next_cursor: more ? Buffer.from(`emu:${end}`).toString('base64url') : '', dept_user: rows };
  },

  'department/simplelist': (req, ctx) => {
    const { app } = reader(req, ctx, 'department/simplelist');
    return { department_id: departmentsBelow(req, ctx, app).map((d) => ({ id: d.id, parentid: d.parentid, order: d.order })) };
  },

  'department/list': (req, ctx) => {
    const { app } = reader(req, ctx, 'department/list');
    return { department: departmentsBelow(req, ctx, app).map((d) => departmentView(d, ctx)) };
  },

  'department/get': (req, ctx) => {
    const { app } = reader(req, ctx, 'department/get');
    const id = departmentId(req.query.get('id'));
    const d = ctx.directory.department(id);
    if (!d) throw emuError(60003, String(id));
    if (!ctx.visibility.departmentVisible(app, id)) throw emuError(60011);
    return { department: departmentView(d, ctx) };
  },
};

const DEFAULT_AVATAR = 'https://wework.qpic.cn/wwhead/default_avatar/0';

function appToken(req: ApiRequest, ctx: ApiContext): IssuedToken {
  const token = ctx.tokens.resolve(req.query.get('access_token'));
  // Codes and tickets belong to an app; the contact-sync assistant cannot consume them.
  if (token.kind !== 'app') throw emuError(50001, 'the contact-sync secret cannot consume login codes');
  return token;
}

function consumeCode(req: ApiRequest, ctx: ApiContext) {
  const token = appToken(req, ctx);
  const raw = req.query.get('code');
  if (!raw) throw emuError(41008);
  const code = ctx.oauth.consume(raw);
  if (!code) throw emuError(40029);
  const app = ctx.app(token.agentId)!;
  // A code is bound to the app and domain it was issued for.
  if (code.agentId !== null && code.agentId !== token.agentId) throw emuError(50001);
  if (app.trustedDomain && code.redirectHost !== app.trustedDomain) throw emuError(50001);
  return { member: code.userid, code };
}

function reader(req: ApiRequest, ctx: ApiContext, api: string): { app: EmuApp | null } {
  const token = ctx.tokens.resolve(req.query.get('access_token'));
  if (token.kind === 'contact') {
    if (ctx.policy.contactSyncFromNewIp && DETAIL_READERS.has(api)) throw emuError(48009);
    return { app: null };
  }
  return { app: ctx.app(token.agentId) };
}

function departmentId(raw: string | null): number {
  const id = Number(raw);
  if (raw === null || raw === '' || !Number.isInteger(id) || id < 1) throw emuError(60123, raw ?? '');
  return id;
}

function departmentsBelow(req: ApiRequest, ctx: ApiContext, app: EmuApp | null): EmuDepartment[] {
  const raw = req.query.get('id');
  if (raw !== null && raw !== '') {
    const id = departmentId(raw);
    if (!ctx.directory.department(id)) throw emuError(60003, raw);
    if (!ctx.visibility.departmentVisible(app, id)) throw emuError(60011);
    return ctx.directory.subtree(id);
  }
  if (!app) return ctx.directory.subtree(1);
  const visible = ctx.visibility.departments(app);
  return ctx.directory.allDepartments().filter((d) => visible === 'all' || visible.has(d.id));
}

function membersIn(req: ApiRequest, ctx: ApiContext, app: EmuApp | null): EmuMember[] {
  const id = departmentId(req.query.get('department_id'));
  if (!ctx.directory.department(id)) throw emuError(60003, String(id));
  if (!ctx.visibility.departmentVisible(app, id)) throw emuError(60011);
  const departments = req.query.get('fetch_child') === '1' ? ctx.directory.subtree(id).map((d) => d.id) : [id];
  const seen = new Map<string, EmuMember>();
  for (const d of departments) for (const m of ctx.directory.membersOf(d)) seen.set(m.userid, m);
  return [...seen.values()];
}

function visibleDepartments(m: EmuMember, app: EmuApp | null, ctx: ApiContext) {
  const keep = m.department.map((d) => ctx.visibility.departmentVisible(app, d));
  return {
    department: m.department.filter((_, i) => keep[i]),
    order: m.order.filter((_, i) => keep[i]),
    is_leader_in_dept: m.is_leader_in_dept.filter((_, i) => keep[i]),
  };
}

function memberView(m: EmuMember, app: EmuApp | null, ctx: ApiContext): Record<string, unknown> {
  const view: Record<string, unknown> = {
    userid: m.userid,
    name: m.name,
    ...visibleDepartments(m, app, ctx),
    position: m.position,
    mobile: m.mobile,
    gender: m.gender,
    email: m.email,
    biz_mail: m.biz_mail,
    direct_leader: m.direct_leader,
    avatar: m.avatar,
    thumb_avatar: m.avatar.replace(/\/0$/, '/100'),
    telephone: m.telephone,
    alias: m.alias,
    address: m.address,
    status: m.status,
    main_department: m.main_department,
    qr_code: `https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=${m.userid}`,
    extattr: { attrs: [] },
    external_position: '',
  };
  if (app?.createdAfter20220620) for (const f of SENSITIVE) delete view[f];
  return view;
}

function departmentView(d: EmuDepartment, ctx: ApiContext): Record<string, unknown> {
  const v = ctx.directory.departmentView(d);
  return { id: v.id, name: v.name, name_en: v.name_en ?? '', department_leader: v.department_leader, parentid: v.parentid, order: v.order };
}

function totalMemberships(dir: EmulatorDirectory): number {
  let n = 0;
  for (const m of dir.allMembers()) n += m.department.length;
  return n;
}
