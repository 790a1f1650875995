import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorDirectory } from './directory';

/**
 * Who is signed in to the emulated WeCom client. A real in-client OAuth asks nothing: the member is whoever uses the
 * WeCom app. A browser stands for that member with this cookie on the emulator's origin, set by
 * `GET /_emulator/as?userid=<id>` (or by a test with Playwright's `context.addCookies`); the in-client authorize
 * page uses it when the URL has no `as=`. Per browser, like the device it models.
 */
export const SIGNED_IN_COOKIE = 'wecom_emulator_as';

export function signedInMember(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SIGNED_IN_COOKIE && value.length) {
      const userid = decodeURIComponent(value.join('='));
      return userid || null;
    }
  }
  return null;
}

/** `GET /_emulator/as?userid=<id>` signs the browser's "WeCom client" in as that member; without `userid`, out. */
export function signInAs(url: URL, directory: EmulatorDirectory, res: ServerResponse): void {
  const userid = url.searchParams.get('userid');
  const html = (status: number, text: string, cookie: string) =>
    void res
      .writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': cookie, 'Cache-Control': 'no-store' })
      .end(
        `<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>企业微信 (emulator)</title></head><body><p data-emulator-message>${text}</p></body></html>`,
      );
  if (!userid) return html(200, '已退出企业微信客户端 (signed out of the WeCom client)', `${SIGNED_IN_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`);
  const member = directory.member(userid);
  if (!member) return html(404, `没有这个成员 (no member ${escape(userid)})`, `${SIGNED_IN_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`);
  html(
    200,
    `企业微信客户端已登录：${escape(member.name)} (${escape(member.userid)})`,
    `${SIGNED_IN_COOKIE}=${encodeURIComponent(member.userid)}; Path=/; SameSite=Lax`,
  );
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
