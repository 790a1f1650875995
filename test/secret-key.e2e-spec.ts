import { execFile, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { createTestApp } from './utils/create-test-app';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from './utils/test-config';
import { createTestDatabase, TEST_BRIDGE_SCHEMA, type TestDatabase } from './utils/test-database';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'bin', 'wecom-bridge.js');
const OLD_KEY = 'the-old-bridge-secret-key-0123456789abcdef';
const NEW_KEY = 'the-new-bridge-secret-key-fedcba9876543210';

/**
 * Issue #14, finding 8: a new BRIDGE_SECRET_KEY opened none of the secrets sealed with the old
 * one, and every request that touched an authenticator answered 500. Now: a clear start-up error
 * naming the authenticators; BRIDGE_SECRET_KEY_PREVIOUS opens the old values; `reseal` seals them
 * with the new key.
 */
describe('rotating BRIDGE_SECRET_KEY', () => {
  let db: TestDatabase;
  const env = (keys: Record<string, string>) => ({
    PATH: process.env.PATH ?? '',
    DATABASE_URL: db.url,
    BRIDGE_DB_SCHEMA: TEST_BRIDGE_SCHEMA,
    NOCOBASE_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'error',
    ...keys,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    const old = await createTestApp(db, { BRIDGE_SECRET_KEY: OLD_KEY, BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY });
    for (const name of ['branch', 'factory']) {
      await request(old.app.getHttpServer())
        .post('/api/admin/authenticators')
        .set('Authorization', `Bearer ${TEST_ADMIN_KEY}`)
        .send({
          name,
          title: name,
          corpId: `ww${name}`,
          agentId: '1',
          secret: `${name}-secret`,
          contactSecret: `${name}-contact`,
          origin: `https://${name}.example.com`,
        })
        .expect(201);
    }
    await old.close();
  });
  afterAll(() => db?.drop());

  it('refuses to start with a key that opens nothing, naming the authenticators, without a stack trace', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['-r', require.resolve('@swc-node/register'), join(__dirname, '../src/main.ts')], {
        env: { ...env({ BRIDGE_SECRET_KEY: NEW_KEY }), PORT: '0', SWC_NODE_PROJECT: join(__dirname, '../tsconfig.json') },
        cwd: tmpdir(),
      });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (c) => resolve({ code: c, stderr: err }));
    });
    expect(code).toBe(1);
    expect(stderr).toContain('BRIDGE_SECRET_KEY does not open the secrets of "branch", "factory"');
    expect(stderr).toContain('BRIDGE_SECRET_KEY_PREVIOUS');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('serves with the previous key beside the new one, and reseal makes the previous key unnecessary', async () => {
    const rotating = await createTestApp(db, { BRIDGE_SECRET_KEY: NEW_KEY, BRIDGE_SECRET_KEY_PREVIOUS: OLD_KEY, BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY });
    await request(rotating.app.getHttpServer()).get('/api/wecom/branch/auth-url').expect(200);
    await rotating.close();

    const { stdout } = await run(process.execPath, [CLI, 'reseal'], {
      env: env({ BRIDGE_SECRET_KEY: NEW_KEY, BRIDGE_SECRET_KEY_PREVIOUS: OLD_KEY }),
      timeout: 60_000,
    });
    expect(stdout).toContain('re-sealed 4 secret(s) with BRIDGE_SECRET_KEY; 0 already were.');

    const rotated = await createTestApp(db, { BRIDGE_SECRET_KEY: NEW_KEY, BRIDGE_ADMIN_API_KEY: TEST_ADMIN_KEY });
    try {
      const res = await request(rotated.app.getHttpServer())
        .get('/api/admin/authenticators/factory')
        .set('Authorization', `Bearer ${TEST_ADMIN_KEY}`)
        .expect(200);
      expect(res.body.data).toMatchObject({ secretSet: true, contactSecretSet: true });
    } finally {
      await rotated.close();
    }
  }, 90_000);
});
