import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError, loadConfig } from './load-config';

const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/nocobase',
  BRIDGE_SECRET_KEY: 'x'.repeat(32),
  NOCOBASE_JWT_SECRET: 'app-key',
};

function problems(env: Record<string, string>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    return Object.fromEntries(error.problems.map((p) => [p.variable, p.message]));
  }
  throw new Error('expected a ConfigValidationError');
}

describe(loadConfig.name, () => {
  it('applies defaults to a minimal valid environment', () => {
    const config = loadConfig(valid);
    expect(config.app.port).toBe(3000);
    expect(config.database.bridgeSchema).toBe('wecom_bridge');
    expect(config.nocobase).toMatchObject({ schema: null, tablePrefix: null, underscored: null, jwtSecret: 'app-key', url: null });
    expect(config.wecom.apiBaseUrl).toBe('https://qyapi.weixin.qq.com');
    expect(config.wecom.rateLimitPerMinute).toBe(10_000);
  });

  it('names every bad variable at once', () => {
    const found = problems({ PORT: 'eighty', BRIDGE_SECRET_KEY: 'short', NOCOBASE_UNDERSCORED: 'yes' });
    expect(Object.keys(found).sort()).toEqual(['BRIDGE_SECRET_KEY', 'DATABASE_URL', 'NOCOBASE_JWT_SECRET', 'NOCOBASE_UNDERSCORED', 'PORT']);
    expect(found.DATABASE_URL).toMatch(/is required.*NocoBase database/);
    expect(found.BRIDGE_SECRET_KEY).toMatch(/at least 32/);
  });

  it('formats one readable message without a stack', () => {
    try {
      loadConfig({});
      throw new Error('unreachable');
    } catch (error) {
      expect((error as Error).message).toMatch(/^Invalid configuration — fix these environment variables:\n {2}- DATABASE_URL: is required/);
    }
  });

  it('reads the protected roles as a list, and refuses what is not a role name', () => {
    expect(loadConfig(valid).auth.protectedRoles).toEqual([]);
    expect(loadConfig({ ...valid, WECOM_PROTECTED_ROLES: 'finance, hr ,' }).auth.protectedRoles).toEqual(['finance', 'hr']);
    expect(problems({ ...valid, WECOM_PROTECTED_ROLES: 'finance;drop table' }).WECOM_PROTECTED_ROLES).toMatch(/role names separated by commas/);
  });

  it('reads the trusted proxies, and refuses what Express could not use', () => {
    expect(loadConfig(valid).app.trustedProxies).toEqual([]);
    expect(loadConfig({ ...valid, BRIDGE_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8,fd00::/8 , 192.0.2.4' }).app.trustedProxies).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.4',
    ]);
    for (const bad of ['everyone', '10.0.0.0/33', '*', 'true'])
      expect(problems({ ...valid, BRIDGE_TRUSTED_PROXIES: bad }).BRIDGE_TRUSTED_PROXIES).toMatch(/subnets/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ ...valid, NOCOBASE_URL: '', PORT: '' }).nocobase.url).toBeNull();
  });

  it('parses overrides and strips trailing slashes from URLs', () => {
    const config = loadConfig({
      ...valid,
      NOCOBASE_UNDERSCORED: 'true',
      NOCOBASE_DB_SCHEMA: 'nb',
      NOCOBASE_TABLE_PREFIX: 'nb_',
      NOCOBASE_URL: 'http://nocobase:13000/',
    });
    expect(config.nocobase).toMatchObject({ underscored: true, schema: 'nb', tablePrefix: 'nb_', url: 'http://nocobase:13000' });
  });

  it('rejects a schema name that is not a plain identifier', () => {
    expect(problems({ ...valid, BRIDGE_DB_SCHEMA: 'bad-name;' }).BRIDGE_DB_SCHEMA).toMatch(/identifier/);
  });

  it('requires exactly one JWT secret source', () => {
    expect(problems({ ...valid, NOCOBASE_JWT_SECRET_FILE: '/x' }).NOCOBASE_JWT_SECRET_FILE).toMatch(/not both/);
  });

  it('reads jwt_secret.dat as 32 raw bytes and refuses other sizes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-'));
    const good = join(dir, 'jwt_secret.dat');
    writeFileSync(good, Buffer.alloc(32, 7));
    const { NOCOBASE_JWT_SECRET: _omit, ...rest } = valid;
    const config = loadConfig({ ...rest, NOCOBASE_JWT_SECRET_FILE: good });
    expect(Buffer.isBuffer(config.nocobase.jwtSecret)).toBe(true);
    expect((config.nocobase.jwtSecret as Buffer).equals(Buffer.alloc(32, 7))).toBe(true);

    const bad = join(dir, 'short.dat');
    writeFileSync(bad, 'abc');
    expect(problems({ ...rest, NOCOBASE_JWT_SECRET_FILE: bad }).NOCOBASE_JWT_SECRET_FILE).toMatch(/3 bytes.*exactly 32/);
    expect(problems({ ...rest, NOCOBASE_JWT_SECRET_FILE: join(dir, 'missing') }).NOCOBASE_JWT_SECRET_FILE).toMatch(/no such file/);
  });
});

describe('default authenticator variables', () => {
  const declared = { WECOM_CORP_ID: 'ww1234567890', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 'app-secret-123', WECOM_ORIGIN: 'https://nocobase.example.com/' };

  it('declares the default authenticator when all four are set', () => {
    const config = loadConfig({ ...valid, ...declared, WECOM_AUTO_LOGIN: 'true' });
    expect(config.defaultAuthenticator).toMatchObject({
      name: 'wecom',
      corpId: 'ww1234567890',
      agentId: '1000002',
      origin: 'https://nocobase.example.com',
      autoLogin: true,
      autoSignUp: false,
      workbenchPath: '/admin',
      nocobaseAuthenticator: 'basic',
      contactSecret: null,
      provisionOnSync: false,
      offboarding: 'suspend',
      offboardingThresholdPercent: 5,
      syncCron: null,
    });
  });

  it('takes the sync settings, and names each bad one', () => {
    const config = loadConfig({ ...valid, ...declared, WECOM_PROVISION_ON_SYNC: 'true', WECOM_OFFBOARDING: 'delete', WECOM_SYNC_CRON: '*/15 * * * *' });
    expect(config.defaultAuthenticator).toMatchObject({ provisionOnSync: true, offboarding: 'delete', syncCron: '*/15 * * * *' });
    const found = problems({ ...valid, ...declared, WECOM_OFFBOARDING: 'fire', WECOM_SYNC_CRON: 'every day', WECOM_OFFBOARDING_THRESHOLD_PERCENT: '150' });
    expect(Object.keys(found).sort()).toEqual(['WECOM_OFFBOARDING', 'WECOM_OFFBOARDING_THRESHOLD_PERCENT', 'WECOM_SYNC_CRON']);
    expect(found.WECOM_SYNC_CRON).toMatch(/cron expression/);
    expect(problems({ ...valid, ...declared, WECOM_SYNC_CRON: '0 0 31 2 *' }).WECOM_SYNC_CRON).toMatch(/never fires/);
  });

  it('is absent without them', () => {
    expect(loadConfig(valid).defaultAuthenticator).toBeNull();
  });

  it('names the missing companions of a partial declaration', () => {
    const found = problems({ ...valid, WECOM_CORP_ID: 'ww1234567890', WECOM_SECRET: 'app-secret-123' });
    expect(Object.keys(found).sort()).toEqual(['WECOM_AGENT_ID', 'WECOM_ORIGIN']);
    expect(found.WECOM_ORIGIN).toMatch(/required because WECOM_CORP_ID, WECOM_SECRET are set/);
  });

  it.each(['/.//evil.com', '/x/..//evil.com', '/%2e//evil.com'])('refuses the workbench path %s, which normalises to //evil.com', (path) => {
    expect(problems({ ...valid, ...declared, WECOM_WORKBENCH_PATH: path }).WECOM_WORKBENCH_PATH).toMatch(/normalised path/);
  });

  it.each(['https://nb.example.com/app', 'https://nb.example.com/?x=1', 'https://u:p@nb.example.com'])('refuses %s as an origin', (url) => {
    const found = problems({ ...valid, ...declared, WECOM_ORIGIN: url, WECOM_BRIDGE_URL: url });
    expect(Object.keys(found).sort()).toEqual(['WECOM_BRIDGE_URL', 'WECOM_ORIGIN']);
  });

  it('validates the callback key, the workbench path and the phone region', () => {
    const found = problems({ ...valid, ...declared, WECOM_CALLBACK_AES_KEY: 'short', WECOM_WORKBENCH_PATH: 'admin', PHONE_DEFAULT_REGION: 'XX' });
    expect(Object.keys(found).sort()).toEqual(['PHONE_DEFAULT_REGION', 'WECOM_CALLBACK_AES_KEY', 'WECOM_WORKBENCH_PATH']);
  });
});
