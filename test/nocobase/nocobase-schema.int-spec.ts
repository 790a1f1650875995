import { NocobaseSchemaIntrospector } from '../../src/nocobase/schema/nocobase-schema.introspector';
import { NocobaseSchema } from '../../src/nocobase/schema/nocobase-schema';
import { createTestDatabase, NAMING_MODES, type TestDatabase, type TestDatabaseOptions } from '../utils/test-database';
import { testConfig } from '../utils/test-config';

async function introspect(db: TestDatabase, env: Record<string, string> = {}): Promise<NocobaseSchema> {
  return new NocobaseSchemaIntrospector(db.dataSource, testConfig({ DATABASE_URL: db.url, ...env })).introspect();
}

async function withDatabase<T>(options: TestDatabaseOptions, fn: (db: TestDatabase) => Promise<T>): Promise<T> {
  const db = await createTestDatabase(options);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}

describe('NocoBase schema adapter (real NocoBase 2.2.15 dumps)', () => {
  describe.each(NAMING_MODES)('%s naming', (naming) => {
    let db: TestDatabase;
    beforeAll(async () => (db = await createTestDatabase({ naming })));
    afterAll(() => db.drop());

    it('detects the layout without any override', async () => {
      const nb = await introspect(db);
      expect(nb.describe()).toEqual({
        schema: 'public',
        tablePrefix: '',
        underscored: naming === 'snake',
        features: {
          issuedTokens: true,
          tokenAuthenticatorColumn: true,
          tokenBlacklist: true,
          tokenControlConfig: true,
          departments: true,
          departmentTreePaths: true,
        },
      });
    });

    it('resolves names that select real rows', async () => {
      const nb = await introspect(db);
      const u = nb.columns('users');
      const [root] = await db.query<{ email: string; main: string | null }>(
        `SELECT ${u.email} AS email, ${u.mainDepartmentId} AS main FROM ${nb.table('users')} WHERE ${u.id} = 1`,
      );
      expect(root).toEqual({ email: 'admin@nocobase.com', main: null });

      const ru = nb.columns('rolesUsers');
      const roles = await db.query<{ role: string }>(`SELECT ${ru.roleName} AS role FROM ${nb.table('rolesUsers')} WHERE ${ru.userId} = 1 ORDER BY 1`);
      expect(roles.map((r) => r.role)).toEqual(['admin', 'member', 'root']);

      const [defaultRole] = await db.query<{ name: string }>(
        `SELECT ${nb.column('roles', 'name')} AS name FROM ${nb.table('roles')} WHERE ${nb.column('roles', 'default')}`,
      );
      expect(defaultRole.name).toBe('member');

      const [policy] = await db.query<{ config: Record<string, string> }>(
        `SELECT ${nb.column('tokenControlConfig', 'config')} AS config FROM ${nb.table('tokenControlConfig')}`,
      );
      expect(policy.config.tokenExpirationTime).toBe('1d');
      expect(nb.column('issuedTokens', 'signInTime')).toBe(naming === 'snake' ? '"sign_in_time"' : '"signInTime"');
      expect(nb.table('main_departments_path')).toBe('"public"."main_departments_path"');
      expect(nb.column('main_departments_path', 'nodePk')).toBe(naming === 'snake' ? '"node_pk"' : '"nodePk"');
    });

    it('honours an explicit NOCOBASE_UNDERSCORED that contradicts the database', async () => {
      await expect(introspect(db, { NOCOBASE_UNDERSCORED: naming === 'snake' ? 'false' : 'true' })).rejects.toThrow(
        /lacks column\(s\).*is NOCOBASE_UNDERSCORED right/,
      );
    });
  });

  it('finds a prefixed install in a non-public schema by itself, and with overrides', async () => {
    await withDatabase({ naming: 'snake', schema: 'nocobase', prefix: 'nb_' }, async (db) => {
      const detected = await introspect(db);
      expect(detected.describe()).toMatchObject({ schema: 'nocobase', tablePrefix: 'nb_', underscored: true });
      expect(detected.table('usersAuthenticators')).toBe('"nocobase"."nb_users_authenticators"');
      const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${detected.table('users')}`);
      expect(Number(n)).toBe(1);

      const explicit = await introspect(db, { NOCOBASE_DB_SCHEMA: 'nocobase', NOCOBASE_TABLE_PREFIX: 'nb_', NOCOBASE_UNDERSCORED: 'true' });
      expect(explicit.table('issuedTokens')).toBe('"nocobase"."nb_issued_tokens"');
    });
  });

  it('handles a camelCase install with a prefix', async () => {
    await withDatabase({ naming: 'camel', prefix: 'app1_' }, async (db) => {
      const nb = await introspect(db);
      expect(nb.table('rolesUsers')).toBe('"public"."app1_rolesUsers"');
      expect(nb.features.departments).toBe(true);
    });
  });

  it('refuses a database without NocoBase tables, naming the table and schema', async () => {
    await withDatabase({ empty: true }, async (db) => {
      await expect(introspect(db)).rejects.toThrow(
        'this database does not look like a NocoBase database: table users not found in schema public (nor in any other schema)',
      );
    });
  });

  it('refuses when the configured schema holds no NocoBase install', async () => {
    await withDatabase({ naming: 'camel' }, async (db) => {
      await db.query('CREATE SCHEMA elsewhere');
      await expect(introspect(db, { NOCOBASE_DB_SCHEMA: 'elsewhere' })).rejects.toThrow(
        /^this database does not look like a NocoBase database: table users not found in schema elsewhere\./,
      );
    });
  });

  it('names the missing required table', async () => {
    await withDatabase({ naming: 'camel' }, async (db) => {
      await db.query('DROP TABLE public."usersAuthenticators"');
      await expect(introspect(db)).rejects.toThrow(
        'this database does not look like a NocoBase database: table usersAuthenticators not found in schema public',
      );
    });
  });

  it('asks for overrides when two installs share the database', async () => {
    await withDatabase({ naming: 'camel', schema: 'tenant_a' }, async (db) => {
      await db.query(`CREATE TABLE tenant_a.other_users (nickname text); CREATE TABLE tenant_a.other_roles (name text)`);
      await expect(introspect(db)).rejects.toThrow(/more than one NocoBase install.*set NOCOBASE_DB_SCHEMA and NOCOBASE_TABLE_PREFIX/);
    });
  });

  it('reports optional features as unavailable instead of failing', async () => {
    await withDatabase({ naming: 'snake' }, async (db) => {
      await db.query('DROP TABLE public.departments_users; DROP TABLE public.main_departments_path; DROP TABLE public.issued_tokens');
      const nb = await introspect(db);
      expect(nb.features).toMatchObject({ departments: false, departmentTreePaths: false, issuedTokens: false, tokenAuthenticatorColumn: false });
      expect(() => nb.table('departmentsUsers')).toThrow(/departmentsUsers does not exist in schema public; the feature that needs it is unavailable/);
    });
  });

  it('detects a NocoBase 1.9 token table without the authenticator column', async () => {
    await withDatabase({ naming: 'camel' }, async (db) => {
      await db.query('ALTER TABLE public."issuedTokens" DROP COLUMN authenticator');
      const nb = await introspect(db);
      expect(nb.features).toMatchObject({ issuedTokens: true, tokenAuthenticatorColumn: false });
    });
  });
});
