import { isIP } from 'node:net';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { cronProblem } from '../common/cron';
import { isOrigin, localPath } from '../common/http/local-path';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain PostgreSQL identifier (letters, digits, _)');
const bool = z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((u) => u.replace(/\/+$/, ''));
/** Paths are appended to it and its host is trusted: scheme, host and port only. */
const origin = z
  .string()
  .refine(isOrigin, 'must be an origin such as https://nocobase.example.com (no path, query or credentials)')
  .transform((u) => u.replace(/\/+$/, ''));

/** A comma-separated list (blanks around entries and empty entries ignored) whose every entry passes `check`. */
const commaList = (check: (entry: string) => boolean, message: string) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every(check), message);

/** What Express's `trust proxy` takes: an address, a subnet (address/prefix) or one of its names. */
function isProxySpec(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/**
 * Every environment variable the bridge reads. Empty strings count as unset so that a
 * `.env` line like `NOCOBASE_URL=` does not turn into an invalid value.
 */
export const envSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  BRIDGE_PUBLIC_URL: httpUrl.optional(),
  BRIDGE_ADMIN_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  BRIDGE_METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  LOG_FORMAT: z.enum(['json', 'pretty'], 'must be json or pretty').default('json'),
  SHUTDOWN_TIMEOUT_SECONDS: int(1, 600).default(25),
  BRIDGE_THROTTLE_PER_IP: int(1, 1_000_000).default(300),
  BRIDGE_THROTTLE_FAILURES_PER_IP: int(1, 1_000_000).default(30),
  BRIDGE_THROTTLE_LOGINS_PER_AUTHENTICATOR: int(1, 1_000_000).default(6000),
  BRIDGE_TRUSTED_PROXIES: commaList(isProxySpec, 'must be addresses, subnets (10.0.0.0/8) or loopback, linklocal, uniquelocal, separated by commas').default(
    [],
  ),

  DATABASE_URL: z
    .string({ error: 'is required: the PostgreSQL URL of the NocoBase database, e.g. postgres://user:pass@host:5432/nocobase' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  DATABASE_POOL_SIZE: int(2, 100).default(10),
  DATABASE_RUN_MIGRATIONS: bool.default(true),
  BRIDGE_DB_SCHEMA: identifier.default('wecom_bridge'),
  BRIDGE_SECRET_KEY: z
    .string({ error: 'is required: a random string of at least 32 characters (e.g. `openssl rand -base64 48`)' })
    .min(32, 'must be at least 32 characters')
    .refine((v) => !v.startsWith('change-me'), 'is still the placeholder from .env.example: set a random value'),
  BRIDGE_SECRET_KEY_PREVIOUS: z.string().min(32, 'must be at least 32 characters: the BRIDGE_SECRET_KEY used before the rotation').optional(),

  NOCOBASE_DB_SCHEMA: identifier.optional(),
  NOCOBASE_TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_]{0,30}$/, 'may only hold letters, digits and _')
    .optional(),
  NOCOBASE_UNDERSCORED: bool.optional(),
  NOCOBASE_JWT_SECRET: z.string().min(1).optional(),
  NOCOBASE_JWT_SECRET_FILE: z.string().min(1).optional(),
  NOCOBASE_URL: httpUrl.optional(),

  WECOM_API_BASE_URL: httpUrl.default('https://qyapi.weixin.qq.com'),
  WECOM_OAUTH_BASE_URL: httpUrl.default('https://open.weixin.qq.com'),
  WECOM_LOGIN_BASE_URL: httpUrl.default('https://login.work.weixin.qq.com'),
  WECOM_TIMEOUT_MS: int(100, 120_000).default(10_000),
  WECOM_MAX_RETRIES: int(0, 10).default(3),
  WECOM_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(10_000),

  PHONE_DEFAULT_REGION: z
    .string()
    .refine((v) => isSupportedCountry(v), 'must be an ISO 3166 region code such as CN')
    .default('CN'),

  // A default authenticator declared by environment (simple deployments).
  WECOM_AUTHENTICATOR_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, - or _')
    .default('wecom'),
  WECOM_AUTHENTICATOR_TITLE: z.string().min(1).default('企业微信'),
  WECOM_CORP_ID: z
    .string()
    .regex(/^w[wx][0-9a-zA-Z]+$/, 'must be a WeCom corp ID (ww… or wx…)')
    .optional(),
  WECOM_AGENT_ID: z
    .string()
    .regex(/^\d{1,10}$/, 'must be the numeric AgentId of the self-built app')
    .optional(),
  WECOM_SECRET: z.string().min(8, 'must be the app Secret from the WeCom admin console').optional(),
  WECOM_CONTACT_SECRET: z.string().min(8, 'must be the contact-sync (通讯录同步) Secret').optional(),
  WECOM_ORIGIN: origin.optional(),
  WECOM_BRIDGE_URL: origin.optional(),
  WECOM_NOCOBASE_AUTHENTICATOR: z.string().min(1).default('basic'),
  WECOM_AUTO_SIGN_UP: bool.default(false),
  WECOM_AUTO_LOGIN: bool.default(false),
  WECOM_WORKBENCH_PATH: z
    .string()
    .refine((v) => localPath(v) === v, 'must be a normalised path on the origin, such as /admin or /m')
    .default('/admin'),
  WECOM_CALLBACK_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1–32 letters or digits (the callback Token)')
    .optional(),
  WECOM_CALLBACK_AES_KEY: z
    .string()
    .regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey')
    .optional(),
  WECOM_PROTECTED_ROLES: commaList((role) => /^[A-Za-z0-9_-]{1,64}$/.test(role), 'must be NocoBase role names separated by commas, e.g. finance,hr').default(
    [],
  ),
  WECOM_PROVISION_ON_SYNC: bool.default(false),
  WECOM_OFFBOARDING: z.enum(['ignore', 'suspend', 'delete'], 'must be ignore, suspend or delete').default('suspend'),
  WECOM_OFFBOARDING_THRESHOLD_PERCENT: z.coerce.number().min(0, 'must be 0–100').max(100, 'must be 0–100').default(5),
  WECOM_SYNC_CRON: z
    .string()
    .superRefine((v, ctx) => {
      const problem = cronProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (unset = no schedule)` });
    })
    .optional(),
  SYNC_LEASE_SECONDS: int(2, 600).default(30),
});

/** The variables that must come together to declare the default authenticator. */
export const DEFAULT_AUTHENTICATOR_VARIABLES = ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_ORIGIN'] as const;

export type Env = z.output<typeof envSchema>;
