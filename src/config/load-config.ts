import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppConfig } from './app-config';
import type { CountryCode } from 'libphonenumber-js';
import { DEFAULT_AUTHENTICATOR_VARIABLES, envSchema, type Env } from './env.schema';

/** Raised with every bad variable at once, so an admin fixes them in one pass. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('Invalid configuration — fix these environment variables:\n' + problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'));
    this.name = 'ConfigValidationError';
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(raw);
  const problems = [...(parsed.success ? [] : toProblems(parsed.error, raw)), ...jwtSecretProblems(raw), ...defaultAuthenticatorProblems(raw)];
  if (!parsed.success || problems.length) throw new ConfigValidationError(problems);
  const env = parsed.data;
  const jwt = readJwtSecret(env);
  return Object.freeze({
    app: {
      port: env.PORT,
      host: env.HOST,
      logLevel: env.LOG_LEVEL,
      publicUrl: env.BRIDGE_PUBLIC_URL ?? `http://localhost:${env.PORT}`,
      adminApiKey: env.BRIDGE_ADMIN_API_KEY ?? null,
      metricsToken: env.BRIDGE_METRICS_TOKEN ?? null,
      logFormat: env.LOG_FORMAT,
      shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT_SECONDS,
      throttle: {
        perIp: env.BRIDGE_THROTTLE_PER_IP,
        failuresPerIp: env.BRIDGE_THROTTLE_FAILURES_PER_IP,
        loginsPerAuthenticator: env.BRIDGE_THROTTLE_LOGINS_PER_AUTHENTICATOR,
      },
      trustedProxies: env.BRIDGE_TRUSTED_PROXIES,
    },
    database: {
      url: env.DATABASE_URL,
      bridgeSchema: env.BRIDGE_DB_SCHEMA,
      poolSize: env.DATABASE_POOL_SIZE,
      runMigrations: env.DATABASE_RUN_MIGRATIONS,
    },
    nocobase: {
      schema: env.NOCOBASE_DB_SCHEMA ?? null,
      tablePrefix: env.NOCOBASE_TABLE_PREFIX ?? null,
      underscored: env.NOCOBASE_UNDERSCORED ?? null,
      jwtSecret: jwt.secret,
      jwtSecretSource: jwt.source,
      url: env.NOCOBASE_URL ?? null,
    },
    wecom: {
      apiBaseUrl: env.WECOM_API_BASE_URL,
      oauthBaseUrl: env.WECOM_OAUTH_BASE_URL,
      loginBaseUrl: env.WECOM_LOGIN_BASE_URL,
      timeoutMs: env.WECOM_TIMEOUT_MS,
      maxRetries: env.WECOM_MAX_RETRIES,
      rateLimitPerMinute: env.WECOM_RATE_LIMIT_PER_MINUTE,
    },
    auth: { phoneDefaultRegion: env.PHONE_DEFAULT_REGION as CountryCode, protectedRoles: env.WECOM_PROTECTED_ROLES },
    sync: { leaseSeconds: env.SYNC_LEASE_SECONDS },
    defaultAuthenticator: env.WECOM_CORP_ID
      ? {
          name: env.WECOM_AUTHENTICATOR_NAME,
          title: env.WECOM_AUTHENTICATOR_TITLE,
          corpId: env.WECOM_CORP_ID,
          agentId: env.WECOM_AGENT_ID!,
          secret: env.WECOM_SECRET!,
          contactSecret: env.WECOM_CONTACT_SECRET ?? null,
          origin: env.WECOM_ORIGIN!,
          bridgeUrl: env.WECOM_BRIDGE_URL ?? null,
          nocobaseAuthenticator: env.WECOM_NOCOBASE_AUTHENTICATOR,
          autoSignUp: env.WECOM_AUTO_SIGN_UP,
          autoLogin: env.WECOM_AUTO_LOGIN,
          workbenchPath: env.WECOM_WORKBENCH_PATH,
          callbackToken: env.WECOM_CALLBACK_TOKEN ?? null,
          callbackAesKey: env.WECOM_CALLBACK_AES_KEY ?? null,
          provisionOnSync: env.WECOM_PROVISION_ON_SYNC,
          offboarding: env.WECOM_OFFBOARDING,
          offboardingThresholdPercent: env.WECOM_OFFBOARDING_THRESHOLD_PERCENT,
          syncCron: env.WECOM_SYNC_CRON ?? null,
        }
      : null,
    secrets: { bridgeSecretKey: env.BRIDGE_SECRET_KEY, previousBridgeSecretKey: env.BRIDGE_SECRET_KEY_PREVIOUS ?? null },
  });
}

/** NocoBase ≥ 1.9.22 prefers storage/apps/main/jwt_secret.dat (32 raw bytes) over APP_KEY (nocobase.md §3.1). */
function readJwtSecret(env: Env): { secret: string | Buffer; source: AppConfig['nocobase']['jwtSecretSource'] } {
  if (env.NOCOBASE_JWT_SECRET) return { secret: env.NOCOBASE_JWT_SECRET, source: 'NOCOBASE_JWT_SECRET' };
  const path = env.NOCOBASE_JWT_SECRET_FILE!;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigValidationError([{ variable: 'NOCOBASE_JWT_SECRET_FILE', message: `cannot read ${path}: ${reason}` }]);
  }
  if (bytes.length !== 32) {
    throw new ConfigValidationError([
      { variable: 'NOCOBASE_JWT_SECRET_FILE', message: `${path} holds ${bytes.length} bytes; NocoBase's jwt_secret.dat is exactly 32 raw bytes` },
    ]);
  }
  return { secret: bytes, source: 'NOCOBASE_JWT_SECRET_FILE' };
}

function toProblems(error: z.ZodError, raw: Record<string, unknown>): { variable: string; message: string }[] {
  return error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    const missing = raw[variable] === undefined;
    return { variable, message: missing && !issue.message.startsWith('is required') ? 'is required' : issue.message };
  });
}

function jwtSecretProblems(raw: Record<string, unknown>): { variable: string; message: string }[] {
  if (raw.NOCOBASE_JWT_SECRET && raw.NOCOBASE_JWT_SECRET_FILE) {
    return [{ variable: 'NOCOBASE_JWT_SECRET_FILE', message: 'set either NOCOBASE_JWT_SECRET or NOCOBASE_JWT_SECRET_FILE, not both' }];
  }
  if (!raw.NOCOBASE_JWT_SECRET && !raw.NOCOBASE_JWT_SECRET_FILE) {
    return [
      {
        variable: 'NOCOBASE_JWT_SECRET',
        message:
          "is required (or NOCOBASE_JWT_SECRET_FILE): NocoBase's JWT secret — its APP_KEY, or the path of storage/apps/main/jwt_secret.dat when that file exists",
      },
    ];
  }
  return [];
}

/** WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET and WECOM_ORIGIN declare the default authenticator together. */
function defaultAuthenticatorProblems(raw: Record<string, unknown>): { variable: string; message: string }[] {
  const present = DEFAULT_AUTHENTICATOR_VARIABLES.filter((v) => raw[v] !== undefined);
  if (present.length === 0 || present.length === DEFAULT_AUTHENTICATOR_VARIABLES.length) return [];
  return DEFAULT_AUTHENTICATOR_VARIABLES.filter((v) => raw[v] === undefined).map((variable) => ({
    variable,
    message: `is required because ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set (together they declare the default authenticator)`,
  }));
}
