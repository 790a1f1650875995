import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, InvalidArgumentError } from 'commander';
import type { Request, Response } from 'express';
import jwt from 'jsonwebtoken';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { AuthenticatorsService } from '../../src/auth/authenticators/authenticators.service';
import { loadConfig } from '../../src/config/load-config';
import { startEmulator, type WecomEmulator } from '../emulator';
import { describeStartupError } from '../../src/startup-error';
import { printSummary, withProgressBar } from '../../src/sync/runs/run-report';
import { SyncRunsRepository } from '../../src/sync/runs/sync-runs.repository';
import { SyncService } from '../../src/sync/sync.service';
import { BindingsRepository } from '../../src/users/bindings.repository';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { nocobaseFixtureSql } from './nocobase-fixture';

interface DemoOptions {
  port: number;
  reset?: boolean;
  members: number;
  departments: number;
  dataDir: string;
}

/** Secrets a demo keeps between runs, so sealed values and issued tokens stay valid. */
interface DemoSecrets {
  bridgeSecretKey: string;
  nocobaseJwtSecret: string;
  adminKey: string;
  callbackToken: string;
  callbackAesKey: string;
}

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65534) throw new InvalidArgumentError('a port is 1–65534 (the emulator takes the next one)');
  return n;
};
const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

function secretsIn(dir: string): DemoSecrets {
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const token = (n: number) => randomBytes(n).toString('base64url');
  const secrets: DemoSecrets = {
    bridgeSecretKey: token(36),
    nocobaseJwtSecret: token(24),
    adminKey: token(24),
    callbackToken: randomBytes(12).toString('hex'),
    callbackAesKey: randomBytes(43)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, 'a')
      .slice(0, 43),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function demo(options: DemoOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const secrets = secretsIn(dataDir);
  const bridgeUrl = `http://127.0.0.1:${options.port}`;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };

  try {
    let databaseUrl = process.env.DATABASE_URL;
    let embedded: EmbeddedPostgres | null = null;
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pgdata'), nocobaseSql: nocobaseFixtureSql('snake') });
      stops.push(() => embedded!.stop());
      databaseUrl = embedded.url;
    }

    const emulator: WecomEmulator = await startEmulator({ port: options.port + 1, members: options.members, departments: options.departments, seed: 2026 });
    stops.push(() => emulator.close());

    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      // PGlite's connections share one backend session; a small pool keeps its serialised transactions short.
      DATABASE_POOL_SIZE: embedded ? '4' : undefined,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      BRIDGE_PUBLIC_URL: bridgeUrl,
      BRIDGE_SECRET_KEY: secrets.bridgeSecretKey,
      BRIDGE_ADMIN_API_KEY: secrets.adminKey,
      NOCOBASE_JWT_SECRET: secrets.nocobaseJwtSecret,
      WECOM_API_BASE_URL: emulator.baseUrl,
      WECOM_OAUTH_BASE_URL: emulator.baseUrl,
      WECOM_LOGIN_BASE_URL: emulator.baseUrl,
      WECOM_AUTHENTICATOR_NAME: 'wecom',
      WECOM_CORP_ID: emulator.corpId,
      WECOM_AGENT_ID: String(emulator.agentId),
      WECOM_SECRET: emulator.secret,
      WECOM_CONTACT_SECRET: emulator.contactSecret ?? undefined,
      // No NocoBase runs in the demo: the bridge itself shows where a login would land.
      WECOM_ORIGIN: bridgeUrl,
      WECOM_PROVISION_ON_SYNC: 'true',
      WECOM_AUTO_SIGN_UP: 'true',
      WECOM_CALLBACK_TOKEN: secrets.callbackToken,
      WECOM_CALLBACK_AES_KEY: secrets.callbackAesKey,
      PHONE_DEFAULT_REGION: 'CN',
    });
    const app = configureApp(await NestFactory.create(AppModule.forRoot(config), { logger: ['error'] }), { shutdownHooks: false });
    mountLanding(app, secrets.nocobaseJwtSecret);
    await app.listen(options.port, '127.0.0.1');
    stops.push(() => app.close());

    // WeCom's contact-change callbacks go to the bridge, so emulator edits reach NocoBase within seconds.
    emulator.callbacks.configure({
      url: `${bridgeUrl}/api/wecom/wecom/events`,
      token: secrets.callbackToken,
      encodingAesKey: secrets.callbackAesKey,
      reduced: true,
    });

    const authenticator = await app.get(AuthenticatorsService).get('wecom');
    const { run, done } = await app.get(SyncService).trigger(authenticator, 'cli');
    const finished = process.stdout.isTTY ? await withProgressBar(app.get(SyncRunsRepository), run.id, done) : await done;
    printSummary(finished);
    printGuide(options, emulator, secrets, dataDir, Boolean(embedded));
    console.log(`READY ${JSON.stringify({ bridge: bridgeUrl, emulator: emulator.baseUrl, adminKey: secrets.adminKey, embeddedDatabase: Boolean(embedded) })}`);
  } catch (error) {
    await stopAll();
    throw error;
  }

  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log('\nstopping the demo…');
      void stopAll().then(resolveStop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Where NocoBase would receive the hand-off (`/admin?authenticator=…&token=…`): the demo shows the
 * session token's claims and the binding the login made or used.
 */
function mountLanding(app: INestApplication, jwtSecret: string): void {
  const bindings = app.get(BindingsRepository);
  const authenticators = app.get(AuthenticatorsService);
  const handler = async (req: Request, res: Response) => {
    const token = typeof req.query.token === 'string' ? req.query.token : null;
    const error = typeof req.query.error === 'string' ? req.query.error : null;
    if (!token)
      return res
        .status(error ? 401 : 200)
        .type('html')
        .send(page('NocoBase (demo stand-in)', error ? `<p>Login failed: ${escape(error)}</p>` : '<p>No token in this hand-off.</p>'));
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, jwtSecret) as jwt.JwtPayload;
    } catch (e) {
      return res
        .status(401)
        .type('html')
        .send(page('Invalid token', `<p>${escape((e as Error).message)}</p>`));
    }
    const authenticator = await authenticators.get('wecom');
    const binding = await bindings.findByNocobaseUser(authenticator.id, Number(claims.userId));
    const view = { path: req.path, authenticator: req.query.authenticator, token, claims, binding };
    if (req.accepts(['html', 'json']) === 'json') return res.json(view);
    return res.type('html').send(page('Signed in to NocoBase', `<pre>${escape(JSON.stringify(view, null, 2))}</pre>`));
  };
  const http = app.getHttpAdapter().getInstance();
  http.get(['/admin', '/admin/*rest', '/m', '/m/*rest'], handler);
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const page = (title: string, body: string) => `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><h1>${escape(title)}</h1>${body}`;

function printGuide(options: DemoOptions, emulator: WecomEmulator, secrets: DemoSecrets, dataDir: string, embedded: boolean): void {
  const bridge = `http://127.0.0.1:${options.port}`;
  const someone = [...emulator.directory.allMembers()].find((m) => m.status === 1)?.userid ?? '<userid>';
  console.log(`
wecom-bridge demo is running (Ctrl-C stops everything)

  QR login (desktop browser)    ${bridge}/api/wecom/wecom/login?redirect=/admin
                                 the emulator's QR page lets you pick any member
  In-client login (WeCom app)   ${emulator.baseUrl}/connect/oauth2/authorize?appid=${emulator.corpId}&redirect_uri=${encodeURIComponent(`${bridge}/api/wecom/wecom/callback`)}&response_type=code&scope=snsapi_privateinfo&agentid=${emulator.agentId}&as=${someone}
                                 (or start at the QR login URL with a WeCom user agent)
  Admin API                     ${bridge}/api/admin/…   Authorization: Bearer ${secrets.adminKey}
    bindings                    curl -H 'Authorization: Bearer ${secrets.adminKey}' ${bridge}/api/admin/bindings
    sync again                  curl -X POST -H 'Authorization: Bearer ${secrets.adminKey}' -H 'Content-Type: application/json' -d '{"authenticator":"wecom"}' ${bridge}/api/admin/sync-runs
  Change a member in WeCom      curl -X PATCH -H 'Content-Type: application/json' -d '{"name":"新名字"}' ${emulator.baseUrl}/_emulator/members/${someone}
                                 (the contact-change event reaches the bridge; see GET /api/admin/sync-runs?trigger=event)
  OpenAPI                       ${bridge}/api/docs
  Demo data                     ${dataDir}${embedded ? ' (embedded PostgreSQL: PGlite; one bridge process only — its advisory locks do not exclude other processes)' : ''}
                                 npm run demo -- --reset starts afresh
`);
}

const program = new Command('demo')
  .description('The whole product on this machine: embedded PostgreSQL, a WeCom emulator and the bridge')
  .option('--port <port>', 'bridge port; the emulator listens on the next one', port, 3000)
  .option('--members <n>', 'members of the generated company', count, 300)
  .option('--departments <n>', 'departments of the generated company', count, 30)
  .option('--data-dir <dir>', 'where the demo keeps its database and secrets', '.demo')
  .option('--reset', 'wipe the demo data first')
  .action(demo);

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(describeStartupError(error) ?? error.message);
  process.exit(1);
});
