import { randomBytes } from 'node:crypto';
import type { EmulatorDirectory } from './directory';
import type { EmuApp, EmuPolicy } from './model';
import type { Visibility } from './visibility';

export interface IssuedCode {
  userid: string | null;
  openid: string | null;
  userTicket: string | null;
  /** The app it was issued for (null: in-client OAuth without agentid and no app matched). */
  agentId: number | null;
  redirectHost: string;
  expiresAt: number;
}

/** Login codes (single use, 5 minutes) and user_tickets (30 minutes). */
export class OAuthStore {
  private readonly codes = new Map<string, IssuedCode>();
  private readonly tickets = new Map<string, { userid: string; agentId: number | null; expiresAt: number }>();

  constructor(private readonly policy: EmuPolicy) {}

  issue(grant: Omit<IssuedCode, 'expiresAt' | 'userTicket'>, withTicket: boolean): string {
    const code = randomBytes(32).toString('base64url');
    let userTicket: string | null = null;
    if (withTicket && grant.userid) {
      userTicket = randomBytes(48).toString('base64url');
      this.tickets.set(userTicket, { userid: grant.userid, agentId: grant.agentId, expiresAt: Date.now() + this.policy.userTicketTtlSeconds * 1000 });
    }
    this.codes.set(code, { ...grant, userTicket, expiresAt: Date.now() + this.policy.codeTtlSeconds * 1000 });
    return code;
  }

  /** The code's grant once; a second use or an expired code gets null (WeCom: 40029). */
  consume(code: string): IssuedCode | null {
    const grant = this.codes.get(code);
    this.codes.delete(code);
    return grant && grant.expiresAt > Date.now() ? grant : null;
  }

  ticket(ticket: string) {
    const t = this.tickets.get(ticket);
    return t && t.expiresAt > Date.now() ? t : null;
  }

  /** Ages every code and ticket by `ms`, for expiry tests without waiting. */
  age(ms: number): void {
    for (const c of this.codes.values()) c.expiresAt -= ms;
    for (const t of this.tickets.values()) t.expiresAt -= ms;
  }
}

export type PageResult =
  | { kind: 'redirect'; location: string }
  | { kind: 'page'; status: number; title: string; message: string; choices?: Array<{ label: string; href: string }>; search?: ChooserSearch };

/** The chooser's search box: a GET form back to the same page, carrying the OAuth parameters along. */
interface ChooserSearch {
  action: string;
  value: string;
  hidden: Array<[string, string]>;
  note: string;
}

/** The chooser's search parameter (not WeCom's; dropped from the member links). */
const FIND_PARAM = 'emu_find';
/** Enough for any test or demo corp on one page; a bigger corp (the benchmark's) is searched instead. */
const CHOOSER_LIMIT = 500;

interface PageContext {
  corpId: string;
  apps: EmuApp[];
  directory: EmulatorDirectory;
  visibility: Visibility;
  oauth: OAuthStore;
}

const STATE_PATTERN = /^[A-Za-z0-9]{0,128}$/;

/**
 * In-client OAuth (`/connect/oauth2/authorize`). `as=<userid>` stands in for the person in the
 * WeCom client, else `signedIn` (the member the browser signed in to the emulated client, see
 * client-session.ts); `consent=deny` refuses the privateinfo consent page. Without either, a page
 * lists the members to choose from (for demos).
 */
export function authorizePage(q: URLSearchParams, ctx: PageContext, selfUrl: string, signedIn: string | null = null): PageResult {
  const common = checkCommon(q, ctx);
  if ('kind' in common) return common;
  const { redirect, state } = common;
  if (q.get('response_type') !== 'code') return errorPage('response_type 必须为 code (response_type must be code)');
  const scope = q.get('scope') ?? '';
  if (!['snsapi_base', 'snsapi_privateinfo', 'snsapi_userinfo'].includes(scope)) return errorPage(`scope 参数错误 (invalid scope ${scope})`);
  const agentParam = q.get('agentid');
  let app: EmuApp | undefined;
  if (agentParam) {
    app = ctx.apps.find((a) => String(a.agentId) === agentParam);
    if (!app) return errorPage(`agentid ${agentParam} 错误 (no such app)`);
  } else {
    app = ctx.apps.find((a) => a.trustedDomain === redirect.host) ?? ctx.apps[0];
  }
  if (app.trustedDomain && redirect.host !== app.trustedDomain)
    return errorPage(`redirect_uri需使用应用可信域名 (the redirect host ${redirect.host} is not ${app.trustedDomain})`);
  // Without agentid WeCom silently downgrades privateinfo to base: no ticket, no phone.
  const privateinfo = scope === 'snsapi_privateinfo' && agentParam !== null;
  const as = q.get('as') ?? signedIn;
  if (!as) return chooser(ctx, selfUrl, q, app);
  const member = ctx.directory.member(as);
  if (!member) {
    const code = ctx.oauth.issue(
      { userid: null, openid: `o_${Buffer.from(as).toString('hex').slice(0, 28)}`, agentId: app.agentId, redirectHost: redirect.host },
      false,
    );
    return back(redirect, { code, state });
  }
  const refusal = memberRefusal(member.status);
  if (refusal) return errorPage(refusal);
  const inRange = ctx.visibility.memberVisible(app, member);
  if (privateinfo && !inRange) return errorPage(`你不在应用的可见范围内，无法授权 (${member.userid} is outside the app's visible range)`);
  if (privateinfo && q.get('consent') === 'deny') return back(redirect, { state });
  const code = ctx.oauth.issue(
    { userid: member.userid, openid: null, agentId: agentParam ? app.agentId : null, redirectHost: redirect.host },
    privateinfo && inRange,
  );
  return back(redirect, { code, state });
}

/** Web login (`/wwlogin/sso/login`, and the legacy `/wwopen/sso/qrConnect`): userid only, never a ticket. */
export function webLoginPage(q: URLSearchParams, ctx: PageContext, selfUrl: string, legacy: boolean): PageResult {
  if (!legacy && q.get('login_type') !== 'CorpApp')
    return errorPage(`login_type 参数错误 (the emulator serves CorpApp logins; got ${q.get('login_type') ?? 'nothing'})`);
  const common = checkCommon(q, ctx);
  if ('kind' in common) return common;
  const { redirect, state } = common;
  const app = ctx.apps.find((a) => String(a.agentId) === q.get('agentid'));
  if (!app) return errorPage(`agentid 参数错误 (no app with agentid ${q.get('agentid') ?? ''})`);
  if (app.trustedDomain && redirect.host !== app.trustedDomain)
    return errorPage(`redirect_uri 与配置的授权完成回调域名不一致 (the redirect host ${redirect.host} is not ${app.trustedDomain})`);
  const as = q.get('as');
  if (!as) return chooser(ctx, selfUrl, q, app);
  if (q.get('consent') === 'deny') return back(redirect, { state });
  const member = ctx.directory.member(as);
  if (!member || !ctx.visibility.memberVisible(app, member))
    return errorPage("没有权限，请联系管理员 (no permission: not a member in the app's visible range)");
  const refusal = memberRefusal(member.status);
  if (refusal) return errorPage(refusal);
  const code = ctx.oauth.issue({ userid: member.userid, openid: null, agentId: app.agentId, redirectHost: redirect.host }, false);
  return back(redirect, { code, state });
}

function checkCommon(q: URLSearchParams, ctx: PageContext): PageResult | { redirect: URL; state: string } {
  if (q.get('appid') !== ctx.corpId) return errorPage(`appid 参数错误 (expected the corp ID ${ctx.corpId})`);
  let redirect: URL;
  try {
    redirect = new URL(q.get('redirect_uri') ?? '');
  } catch {
    return errorPage('redirect_uri 参数错误 (not an absolute URL)');
  }
  const state = q.get('state') ?? '';
  if (!STATE_PATTERN.test(state)) return errorPage('state 参数错误 (a-zA-Z0-9, at most 128 bytes)');
  return { redirect, state };
}

function memberRefusal(status: number): string | null {
  if (status === 2) return '该帐号已被停用 (the member is disabled)';
  if (status === 4) return '该帐号未激活 (the member has not activated WeCom)';
  if (status === 5) return '该成员已离职 (the member has left the corp)';
  return null;
}

function back(redirect: URL, params: Record<string, string>): PageResult {
  const url = new URL(redirect);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { kind: 'redirect', location: url.toString() };
}

function errorPage(message: string): PageResult {
  return { kind: 'page', status: 200, title: '企业微信', message };
}

function chooser(ctx: PageContext, selfUrl: string, q: URLSearchParams, app: EmuApp): PageResult {
  const find = (q.get(FIND_PARAM) ?? '').trim().toLowerCase();
  const base = new URLSearchParams(q);
  base.delete(FIND_PARAM);
  const choices: Array<{ label: string; href: string }> = [];
  let matched = 0;
  for (const m of ctx.directory.allMembers()) {
    if (!ctx.visibility.memberVisible(app, m) || m.status !== 1) continue;
    if (find && ![m.name, m.userid, m.mobile].some((s) => s.toLowerCase().includes(find))) continue;
    matched++;
    if (choices.length >= CHOOSER_LIMIT) continue;
    const next = new URLSearchParams(base);
    next.set('as', m.userid);
    choices.push({ label: `${m.name} (${m.userid})`, href: `${selfUrl}?${next}` });
  }
  const note =
    matched > choices.length
      ? `显示 ${choices.length} / ${matched} 位成员，请搜索 (showing ${choices.length} of ${matched} members; search to narrow)`
      : `${matched} 位成员 (${matched} members)`;
  return {
    kind: 'page',
    status: 200,
    title: '企业微信登录 (emulator)',
    message: '选择登录的成员 (choose who you are):',
    choices,
    search: { action: selfUrl, value: q.get(FIND_PARAM) ?? '', hidden: [...base], note },
  };
}

export function renderPage(p: Extract<PageResult, { kind: 'page' }>): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const search = p.search
    ? `<form method="get" action="${esc(p.search.action)}" role="search">${p.search.hidden.map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('')}` +
      `<input type="search" name="${FIND_PARAM}" value="${esc(p.search.value)}" placeholder="姓名、帐号或手机 (name, userid or mobile)" aria-label="search members"> <button type="submit">搜索 (search)</button></form>` +
      `<p data-emulator-count>${esc(p.search.note)}</p>`
    : '';
  const list = p.choices ? `<ul>${p.choices.map((c) => `<li><a href="${esc(c.href)}">${esc(c.label)}</a></li>`).join('')}</ul>` : '';
  return `<!doctype html><html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(p.title)}</title></head><body style="font-family:sans-serif;margin:24px"><p data-emulator-message>${esc(p.message)}</p>${search}${list}</body></html>`;
}
