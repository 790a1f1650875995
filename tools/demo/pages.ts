import type { INestApplication } from '@nestjs/common';
import type { Request, Response } from 'express';
import jwt from 'jsonwebtoken';
import { AuthenticatorsService } from '../../src/auth/authenticators/authenticators.service';
import { LoginService } from '../../src/auth/login/login.service';
import { BindingsRepository } from '../../src/users/bindings.repository';

/** The WeCom client's user agent (its webview carries wxwork/), for the in-client start below. */
const WECOM_CLIENT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1';

/**
 * `GET /demo/in-client?as=<userid>&redirect=/admin`: an in-client login started from an ordinary browser. A WeCom
 * authorize URL is only good with a `state` the bridge issued to this browser (cookie-bound), so a printed one always
 * ends in 400; this route starts the login as the WeCom client would (the bridge picks in-client OAuth for its user
 * agent), sets the login cookie and goes to the emulator's authorize page as that member.
 */
export function mountInClientStart(app: INestApplication, authenticatorName: string): void {
  const login = app.get(LoginService);
  const authenticators = app.get(AuthenticatorsService);
  app
    .getHttpAdapter()
    .getInstance()
    .get('/demo/in-client', async (req: Request, res: Response) => {
      try {
        const start = await login.begin(await authenticators.getEnabled(authenticatorName), req.query.redirect ?? '/admin', WECOM_CLIENT_UA);
        res.cookie(start.cookie.name, start.cookie.value, {
          httpOnly: true,
          sameSite: 'lax',
          secure: start.cookie.secure,
          maxAge: start.cookie.maxAgeMs,
          path: '/api/wecom',
        });
        const url = new URL(start.url);
        if (typeof req.query.as === 'string' && req.query.as) url.searchParams.set('as', req.query.as);
        res.redirect(302, url.toString());
      } catch (error) {
        res
          .status(400)
          .type('html')
          .send(page('In-client login could not start', `<p>${escape((error as Error).message)}</p>`));
      }
    });
}

/**
 * The stand-in for NocoBase (`--stand-in`): `/admin` (and `/m`) show the session token the bridge handed over and the
 * binding the login made or used; `/signin` is where the bridge sends a refused login, with the reason.
 */
export function mountStandIn(app: INestApplication, options: { jwtSecret: string; authenticatorName: string }): void {
  const bindings = app.get(BindingsRepository);
  const authenticators = app.get(AuthenticatorsService);
  const loginUrl = (redirect: string) => `/api/wecom/${options.authenticatorName}/login?redirect=${encodeURIComponent(redirect)}`;
  const landing = async (req: Request, res: Response) => {
    const token = typeof req.query.token === 'string' ? req.query.token : null;
    if (!token)
      return res
        .status(200)
        .type('html')
        .send(
          page(
            'No session in this hand-off',
            `<p>The bridge hands a login over as <code>?token=…</code>.</p><p><a href="${loginUrl(req.path)}">Sign in with WeCom</a></p>`,
          ),
        );
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, options.jwtSecret) as jwt.JwtPayload;
    } catch (e) {
      return res
        .status(401)
        .type('html')
        .send(page('Invalid token', `<p>${escape((e as Error).message)}</p>`));
    }
    const authenticator = await authenticators.get(options.authenticatorName);
    const binding = await bindings.findByNocobaseUser(authenticator.id, Number(claims.userId));
    const view = { path: req.path, authenticator: req.query.authenticator, token, claims, binding };
    if (req.accepts(['html', 'json']) === 'json') return res.json(view);
    const who = binding ? `${binding.wecomUserid} → NocoBase user ${claims.userId}` : `NocoBase user ${claims.userId}`;
    return res.type('html').send(page('Signed in', `<p class="ok">${escape(who)}</p><pre>${escape(JSON.stringify(view, null, 2))}</pre>`));
  };
  const signin = (req: Request, res: Response) => {
    const error = typeof req.query.error === 'string' ? req.query.error : null;
    const redirect = typeof req.query.redirect === 'string' && req.query.redirect.startsWith('/') ? req.query.redirect : '/admin';
    const reason = error ? `<p class="error" role="alert"><strong>The WeCom login was refused:</strong> ${escape(error)}</p>` : '<p>Not signed in.</p>';
    const view = { path: req.path, authenticator: req.query.authenticator ?? null, error, redirect };
    if (req.accepts(['html', 'json']) === 'json') return res.status(error ? 401 : 200).json(view);
    return res
      .status(error ? 401 : 200)
      .type('html')
      .send(page('Sign in', `${reason}<p><a class="button" href="${loginUrl(redirect)}">Sign in with WeCom (企业微信)</a></p>`));
  };
  const http = app.getHttpAdapter().getInstance();
  http.get(['/admin', '/admin/*rest', '/m', '/m/*rest'], landing);
  http.get('/signin', signin);
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:46rem;padding:1rem;overflow-wrap:anywhere}
.banner{background:#fff4d6;border:1px solid #e0b84c;border-radius:6px;padding:.5rem .75rem;font-size:.9rem}
pre{white-space:pre-wrap;word-break:break-all;background:#f5f5f5;padding:.75rem;border-radius:6px;font-size:.8rem}
code{white-space:nowrap}
.error{color:#a40000}.ok{color:#176b17}.button{display:inline-block;padding:.5rem 1rem;background:#2b7cd3;color:#fff;border-radius:6px;text-decoration:none}`;

/** A page of the stand-in: says on every page that it is not NocoBase, and fits a phone's width. */
function page(title: string, body: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escape(title)} — NocoBase stand-in (demo)</title><style>${STYLE}</style></head><body>` +
    `<p class="banner" data-stand-in>NocoBase stand-in: <code>npm run demo -- --stand-in</code> serves this page where NocoBase would be. ` +
    `Without <code>--stand-in</code> the demo runs the real NocoBase.</p><h1>${escape(title)}</h1>${body}</body></html>`
  );
}
