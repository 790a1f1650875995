import { WecomException, type WecomErrorCode } from './wecom.exception';

/** What the caller knows that makes a message actionable. */
export interface WecomErrorContext {
  /** API path without `/cgi-bin/`, e.g. `auth/getuserinfo`. */
  api: string;
  corpId: string;
  /** host[:port] the OAuth redirect went to (for 50001). */
  redirectDomain?: string;
  /** The userid or department id asked for, for not-found messages. */
  subject?: string;
}

/** errmsg carries `from ip: 1.2.3.4` (or an IPv6 address); 60020 is only actionable with it. */
export function callerIpFromErrmsg(errmsg: string): string | null {
  const m = /from ip:\s*([0-9a-fA-F:.]+)/.exec(errmsg);
  return m ? m[1].replace(/[.,]$/, '') : null;
}

/** errmsg minus WeCom's `, hint: [...], from ip: ..., more info at ...` tail. */
export function errmsgText(errmsg: string): string {
  return errmsg.split(/,\s*hint:/)[0].trim();
}

/**
 * WeCom answers HTTP 200 with an errcode; this turns a non-zero one into a typed error whose
 * message tells an admin what to do. Pure, so the table of codes is tested exhaustively.
 */
export function parseWecomError(errcode: number, errmsg: string, ctx: WecomErrorContext): WecomException {
  const [code, message] = describe(errcode, errmsg, ctx);
  return new WecomException(code, `WeCom ${ctx.api} failed with errcode ${errcode}: ${message}`, errcode, ctx.api);
}

function describe(errcode: number, errmsg: string, ctx: WecomErrorContext): [WecomErrorCode, string] {
  const ip = callerIpFromErrmsg(errmsg);
  switch (errcode) {
    case -1:
      return ['WECOM_BUSY', 'WeCom is busy; the call was retried and can be tried again later'];
    case 40001:
      return [
        'WECOM_INVALID_SECRET',
        `the secret for corp ${ctx.corpId} is wrong, was reset, or its app is disabled; paste the current secret from the WeCom admin console (not retried: repeated failures get this IP banned from gettoken for an hour)`,
      ];
    case 40091:
      return ['WECOM_INVALID_SECRET', `the secret belongs to another corp than ${ctx.corpId}; check the corp ID and the secret`];
    case 40013:
    case 41002:
      return ['WECOM_INVALID_CORP_ID', `corp ID ${ctx.corpId} is not valid; copy it from 我的企业 → 企业信息 in the WeCom admin console`];
    case 41004:
      return ['WECOM_INVALID_SECRET', 'no secret was sent; configure the app secret'];
    case 40014:
    case 41001:
    case 42001:
      return ['WECOM_TOKEN_INVALID', 'the access token is invalid or expired (it was refreshed and the call retried once)'];
    case 40029:
    case 41008:
    case 42003:
      return ['WECOM_CODE_INVALID', 'the login code was already used or has expired (codes are single-use and live 5 minutes); start the login again'];
    case 40003:
    case 60111:
      return [
        'WECOM_USER_NOT_FOUND',
        `${ctx.subject ? `member ${ctx.subject}` : 'the member'} was not found: it left, was deleted, or is outside the app's visible range (可见范围)`,
      ];
    case 60003:
    case 60123:
      return [
        'WECOM_DEPARTMENT_NOT_FOUND',
        `${ctx.subject ? `department ${ctx.subject}` : 'the department'} does not exist or is outside the app's visible range`,
      ];
    case 60011:
    case 50002:
      return ['WECOM_NO_PRIVILEGE', "the member or department is outside the app's visible range (可见范围); widen the range in the app's settings"];
    case 301002:
      return ['WECOM_NO_PRIVILEGE', 'the agentid does not belong to the app whose secret was used; check AgentId and Secret'];
    case 60020:
      return [
        'WECOM_IP_NOT_TRUSTED',
        ip
          ? `WeCom refuses calls from IP ${ip}: add ${ip} to the app's trusted IPs (企业可信IP) in the WeCom admin console; it applies about a minute later`
          : "WeCom refuses calls from this server's IP: add it to the app's trusted IPs (企业可信IP) in the WeCom admin console",
      ];
    case 50001:
      return [
        'WECOM_REDIRECT_DOMAIN_UNTRUSTED',
        ctx.redirectDomain
          ? `the redirect domain ${ctx.redirectDomain} is not the app's trusted domain (可信域名); set it to exactly ${ctx.redirectDomain} (host and port) in the app's settings, and make sure the app secret (not the contact-sync secret) is configured`
          : "the redirect domain is not the app's trusted domain (可信域名), or the code was consumed with another app's (or the contact-sync) secret",
      ];
    case 48009:
      return [
        'WECOM_DETAIL_API_FORBIDDEN_FOR_NEW_IP',
        `the contact-sync secret is used from ${ip ?? 'an IP'} added after 2022-08-15, where WeCom forbids the detail APIs (user/get, user/list, department/list, department/get); only the id APIs (user/list_id, department/simplelist) work from here`,
      ];
    case 48001:
    case 48002:
      return ['WECOM_API_FORBIDDEN', `${ctx.api} is not allowed for this secret (e.g. user/list_id needs the contact-sync secret)`];
    case 50003:
      return ['WECOM_APP_DISABLED', 'the app is disabled in the WeCom admin console'];
    case 40056:
      return ['WECOM_INVALID_AGENT', 'the AgentId is not valid for this corp'];
    case 40058:
      return ctx.api === 'auth/getuserdetail'
        ? ['WECOM_TICKET_INVALID', 'the user_ticket is invalid or expired (tickets live 30 minutes); start the login again']
        : ['WECOM_INVALID_PARAMETER', `WeCom rejected a parameter: ${errmsgText(errmsg)}`];
    case 45009:
    case 45033:
      return ['WECOM_RATE_LIMITED', `WeCom's rate limit for ${ctx.api} was exceeded; calls are paused for the rest of the limit window`];
    case 45029:
      return ['WECOM_RESPONSE_TOO_LARGE', 'the response was too large; the directory must be read department by department'];
    default:
      return ['WECOM_ERROR', errmsgText(errmsg) || 'unknown error'];
  }
}
