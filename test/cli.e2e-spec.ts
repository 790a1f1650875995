import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type WecomEmulator } from '../tools/emulator';
import { TEST_BRIDGE_SECRET_KEY, TEST_JWT_SECRET } from './utils/test-config';
import { createTestDatabase, TEST_BRIDGE_SCHEMA, type TestDatabase } from './utils/test-database';
import { emulatorEnv } from './utils/emulator-env';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'bin', 'wecom-bridge.js');

describe('npm run cli -- sync', () => {
  let db: TestDatabase;
  let emu: WecomEmulator;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startEmulator({ port: 0, members: 60, departments: 8, seed: 7 });
    env = {
      PATH: process.env.PATH,
      DATABASE_URL: db.url,
      BRIDGE_DB_SCHEMA: TEST_BRIDGE_SCHEMA,
      BRIDGE_SECRET_KEY: TEST_BRIDGE_SECRET_KEY,
      NOCOBASE_JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'error',
      ...emulatorEnv(emu),
      WECOM_PROVISION_ON_SYNC: 'true',
    };
  });
  afterAll(async () => {
    await emu?.close();
    await db?.drop();
  });

  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env, timeout: 60_000 });

  it('dry-runs, then syncs, printing the finished run as JSON', async () => {
    const dry = JSON.parse((await cli('sync', '--authenticator', 'wecom', '--dry-run', '--json')).stdout);
    expect(dry).toMatchObject({ trigger: 'cli', dryRun: true, status: 'succeeded', rowsWritten: 0 });
    expect(dry.counts.departments.create).toBe(emu.directory.departmentCount);

    const real = JSON.parse((await cli('sync', '--authenticator', 'wecom', '--json')).stdout);
    expect(real).toMatchObject({ trigger: 'cli', dryRun: false, status: 'succeeded' });
    expect(real.counts.members.create).toBe(dry.counts.members.create);
    expect(real.rowsWritten).toBeGreaterThan(0);
  }, 120_000);

  it('prints a summary table without --json, and exits 2 naming a bad authenticator', async () => {
    const { stdout } = await cli('sync', '--authenticator', 'wecom');
    expect(stdout).toMatch(/^status\s+succeeded$/m);
    expect(stdout).toMatch(/^rows written\s+0$/m);
    await expect(cli('sync', '--authenticator', 'nope')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no WeCom authenticator named "nope"/),
    });
  }, 120_000);
});
