import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { TEST_BRIDGE_SCHEMA } from './test-database';

export const TEST_JWT_SECRET = 'test-nocobase-app-key-0123456789';
export const TEST_BRIDGE_SECRET_KEY = 'test-bridge-secret-key-0123456789abcdef';
/** BRIDGE_ADMIN_API_KEY in specs that use the admin API. */
export const TEST_ADMIN_KEY = 'admin-key-0123456789abcdefghij';
/** A contact-change callback's Token and EncodingAESKey. */
export const TEST_CALLBACK = { token: 'CallbackToken42', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };

/** A validated config for tests, from the same loader production uses. */
export function testConfig(env: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
    BRIDGE_SECRET_KEY: TEST_BRIDGE_SECRET_KEY,
    NOCOBASE_JWT_SECRET: TEST_JWT_SECRET,
    BRIDGE_DB_SCHEMA: TEST_BRIDGE_SCHEMA,
    LOG_LEVEL: 'warn',
    ...env,
  });
}
