/**
 * The validated, typed configuration. Built once from the environment by `loadConfig`
 * and injected by this class token; nothing else reads process.env.
 */
export abstract class AppConfig {
  abstract readonly app: {
    port: number;
    host: string;
    logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
    /** Public base URL of the bridge itself (used in links it prints); derived from PORT when unset. */
    publicUrl: string;
    adminApiKey: string | null;
    /** Bearer token that may read /metrics and nothing else (the admin key and admin sessions may too). */
    metricsToken: string | null;
    /** `json`: one JSON object per line (for log collectors); `pretty`: colourised lines for a terminal. */
    logFormat: 'json' | 'pretty';
    /** SIGTERM: how long in-flight requests and a running sync get before the process exits anyway. */
    shutdownTimeoutSeconds: number;
    /** Limits per minute on /api/wecom/*, counted in this process (see the README's security model). */
    throttle: {
      /** Requests from one client address (contact events excepted: they come from WeCom, in bursts). */
      perIp: number;
      /** Failed requests from one client address (junk input, forged states, bad signatures) before it is refused outright. */
      failuresPerIp: number;
      /** Logins started for one authenticator (each writes a login state and may cost a WeCom call). */
      loginsPerAuthenticator: number;
    };
    /** Reverse proxies whose X-Forwarded-For is believed (Express's `trust proxy`); empty = none, the peer is the client. */
    trustedProxies: readonly string[];
  };
  abstract readonly database: {
    url: string;
    /** PostgreSQL schema holding the bridge's own tables. */
    bridgeSchema: string;
    poolSize: number;
    runMigrations: boolean;
  };
  abstract readonly nocobase: {
    /** Overrides; null = detected from the database. */
    schema: string | null;
    tablePrefix: string | null;
    underscored: boolean | null;
    /** HS256 key NocoBase signs session tokens with (a string APP_KEY, or the 32 raw bytes of jwt_secret.dat). */
    jwtSecret: string | Buffer;
    jwtSecretSource: 'NOCOBASE_JWT_SECRET' | 'NOCOBASE_JWT_SECRET_FILE';
    /** Where the bridge reaches NocoBase's HTTP API; null = features that need it are degraded. */
    url: string | null;
  };
  abstract readonly wecom: {
    apiBaseUrl: string;
    oauthBaseUrl: string;
    loginBaseUrl: string;
    timeoutMs: number;
    maxRetries: number;
    /** Client-side budget per API per corp per minute, kept under WeCom's 10,000/min. */
    rateLimitPerMinute: number;
  };
  abstract readonly auth: {
    /** Region assumed for phone numbers written without a country code. */
    phoneDefaultRegion: import('libphonenumber-js').CountryCode;
    /** NocoBase roles protected like root and admin (WECOM_PROTECTED_ROLES); root and admin always are. */
    protectedRoles: readonly string[];
  };
  abstract readonly sync: {
    /** How long a run's lease lasts after each renewal; a run that cannot renew it for this long is taken over. */
    leaseSeconds: number;
  };
  /** The authenticator declared by WECOM_* variables, or null when they are unset. */
  abstract readonly defaultAuthenticator: DeclaredAuthenticator | null;
  abstract readonly secrets: {
    /** BRIDGE_SECRET_KEY: encrypts secrets at rest and signs login state. */
    bridgeSecretKey: string;
    /** BRIDGE_SECRET_KEY_PREVIOUS: the key before a rotation, which still opens (never seals) values until they are re-sealed. */
    previousBridgeSecretKey: string | null;
  };
}

/** What a member's disappearance from WeCom does to their NocoBase user. */
export type OffboardingPolicy = 'ignore' | 'suspend' | 'delete';

/** An authenticator's settings, as the WECOM_* variables declare them (and as the admin API stores them). */
export interface DeclaredAuthenticator {
  name: string;
  title: string;
  corpId: string;
  agentId: string;
  secret: string;
  contactSecret: string | null;
  /** Public URL of the NocoBase app: where logins land. */
  origin: string;
  /** Public URL the bridge is reached at for WeCom redirects; null = origin (bridge behind NocoBase's host). */
  bridgeUrl: string | null;
  /** The NocoBase authenticator named in the hand-off (`?authenticator=`). */
  nocobaseAuthenticator: string;
  autoSignUp: boolean;
  autoLogin: boolean;
  workbenchPath: string;
  callbackToken: string | null;
  callbackAesKey: string | null;
  provisionOnSync: boolean;
  offboarding: OffboardingPolicy;
  offboardingThresholdPercent: number;
  syncCron: string | null;
}
