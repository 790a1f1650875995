import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { MIGRATIONS } from '../src/database/migrations';
import { NocobaseSessionService } from '../src/nocobase/nocobase-session.service';
import { createTestApp, type TestApp } from './utils/create-test-app';
import { createTestDatabase, NAMING_MODES, type TestDatabase } from './utils/test-database';
import { TEST_BRIDGE_SECRET_KEY, TEST_JWT_SECRET } from './utils/test-config';

const ADMIN_KEY = 'admin-key-0123456789abcdefghij';

describe.each(NAMING_MODES)('the bridge on a %s NocoBase database', (naming) => {
  let db: TestDatabase;
  let bridge: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase({ naming, migrate: false });
    bridge = await createTestApp(db, { BRIDGE_ADMIN_API_KEY: ADMIN_KEY });
  });
  afterAll(async () => {
    await bridge.close();
    await db.drop();
  });

  it('is live', async () => {
    await request(bridge.app.getHttpServer()).get('/health/live').expect(200, { status: 'ok', info: {}, error: {}, details: {} });
  });

  it('is ready once the database answers and NocoBase is resolved, in detail for administrators only', async () => {
    const res = await request(bridge.app.getHttpServer()).get('/health/ready').set('Authorization', `Bearer ${ADMIN_KEY}`).expect(200);
    expect(res.body.info.database.status).toBe('up');
    expect(res.body.info.nocobase).toMatchObject({ status: 'up', schema: 'public', underscored: naming === 'snake' });
    const root = await bridge.app.get(NocobaseSessionService).mint(1, 'basic');
    const asRoot = await request(bridge.app.getHttpServer()).get('/health/ready').set('Authorization', `Bearer ${root.token}`).expect(200);
    expect(asRoot.body.info.nocobase.status).toBe('up');
  });

  // Issue #14, finding 8: the readiness details (schema, naming, plugins, database errors) were public.
  it('tells a probe only whether it is ready', async () => {
    await request(bridge.app.getHttpServer()).get('/health/ready').expect(200, { status: 'ok' });
    await request(bridge.app.getHttpServer()).get('/health/ready').set('Authorization', 'Bearer not-a-key').expect(200, { status: 'ok' });
  });

  it('created its own tables in its own schema at start-up, and nothing in public', async () => {
    const tables = await db.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_schema = 'wecom_bridge' ORDER BY 2`,
    );
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['migrations', 'wecom_access_tokens']));
    const [{ n }] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE '%wecom%'`,
    );
    expect(Number(n)).toBe(0);
  });

  it("answers unknown routes in NocoBase's error envelope", async () => {
    const res = await request(bridge.app.getHttpServer()).get('/api/nope').expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Cannot GET /api/nope', code: 'NOT_FOUND', requestId: res.headers['x-request-id'] }] });
  });

  it('serves its OpenAPI document', async () => {
    const res = await request(bridge.app.getHttpServer()).get('/api/docs/openapi.json').expect(200);
    expect(res.body.paths['/health/ready']).toBeDefined();
  });
});

describe('migrations', () => {
  it('revert cleanly, every one of them, and re-apply', async () => {
    const db = await createTestDatabase({ naming: 'camel' });
    try {
      for (let i = 0; i < MIGRATIONS.length; i++) await db.dataSource.undoLastMigration();
      const left = await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'wecom_bridge'`);
      expect(left.map((t) => t.name)).toEqual(['migrations']);
      await db.dataSource.runMigrations();
      expect(await db.dataSource.showMigrations()).toBe(false);
    } finally {
      await db.drop();
    }
  });
});

/** `npm start` as a user runs it: one readable message, exit code 1, no stack trace. */
function startBridge(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', require.resolve('@swc-node/register'), join(__dirname, '../src/main.ts')], {
      // A neutral cwd, so a developer's .env in the project root cannot leak into the test.
      env: { PATH: process.env.PATH ?? '', SWC_NODE_PROJECT: join(__dirname, '../tsconfig.json'), ...env },
      cwd: tmpdir(),
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('start-up errors', () => {
  const base = { BRIDGE_SECRET_KEY: TEST_BRIDGE_SECRET_KEY, NOCOBASE_JWT_SECRET: TEST_JWT_SECRET, PORT: '0' };

  it('names a missing DATABASE_URL and exits non-zero', async () => {
    const { code, stderr } = await startBridge({ BRIDGE_SECRET_KEY: 'short' });
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid configuration — fix these environment variables:');
    expect(stderr).toContain('DATABASE_URL: is required');
    expect(stderr).toContain('BRIDGE_SECRET_KEY: must be at least 32 characters');
    expect(stderr).toContain('NOCOBASE_JWT_SECRET: is required');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('says plainly when the database is not a NocoBase database', async () => {
    const db = await createTestDatabase({ empty: true, migrate: false });
    try {
      const { code, stderr } = await startBridge({ ...base, DATABASE_URL: db.url, LOG_LEVEL: 'error' });
      expect(code).toBe(1);
      expect(stderr).toContain('this database does not look like a NocoBase database: table users not found in schema public');
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      await db.drop();
    }
  }, 30_000);

  it('says plainly when the database cannot be reached, without leaking the password', async () => {
    const { code, stderr } = await startBridge({ ...base, DATABASE_URL: 'postgres://bob:hunter2@127.0.0.1:1/nocobase', LOG_LEVEL: 'error' });
    expect(code).toBe(1);
    expect(stderr).toContain('cannot connect to the database at DATABASE_URL (postgres://bob:***@127.0.0.1:1/nocobase): ECONNREFUSED');
    expect(stderr).not.toContain('hunter2');
  }, 30_000);
});
