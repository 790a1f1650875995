/** The page shown inside the WeCom client when a login fails: there is no sign-in page to go back to there. */
export function loginFailurePage(message: string, retryUrl: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>登录失败 · Login failed</title>
<style>body{font-family:-apple-system,BlinkMacSystemFont,"PingFang SC",sans-serif;margin:0;padding:32px 20px;color:#1f2329;background:#f5f6f7}
main{max-width:520px;margin:0 auto;background:#fff;border-radius:8px;padding:24px}h1{font-size:20px;margin:0 0 12px}
p{line-height:1.6}a.button{display:inline-block;margin-top:16px;padding:10px 18px;background:#1677ff;color:#fff;border-radius:6px;text-decoration:none}</style>
</head><body><main>
<h1>登录失败 · Login failed</h1>
<p>${esc(message)}</p>
<p>如需帮助，请联系管理员。 If this keeps happening, contact your administrator.</p>
<a class="button" href="${esc(retryUrl)}">重试 · Try again</a>
</main></body></html>`;
}
