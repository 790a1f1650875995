/** The emulated corp's data, in WeCom's own field names so responses are built without renaming. */
export interface EmuDepartment {
  id: number;
  name: string;
  name_en?: string;
  parentid: number;
  order: number;
  department_leader: string[];
}

export type EmuMemberStatus = 1 | 2 | 4 | 5;

export interface EmuMember {
  userid: string;
  name: string;
  department: number[];
  /** Parallel to department. */
  order: number[];
  /** Parallel to department. */
  is_leader_in_dept: number[];
  main_department: number;
  position: string;
  mobile: string;
  gender: '0' | '1' | '2';
  email: string;
  biz_mail: string;
  avatar: string;
  telephone: string;
  alias: string;
  address: string;
  direct_leader: string[];
  status: EmuMemberStatus;
}

/** A self-built app: its secret, trusted domain and visible range. */
export interface EmuApp {
  agentId: number;
  secret: string;
  /** host[:port] redirect URIs must match exactly; null = any host (local use). */
  trustedDomain: string | null;
  /** Visible range: these departments with their sub-departments, plus these members. */
  visibleDepartments: number[];
  visibleUsers: string[];
  /** Created after 2022-06-20: user reads lose avatar, gender, mobile, email, biz_mail, qr_code, address. */
  createdAfter20220620: boolean;
  /** The admin ticked the sensitive fields, so a consenting member's getuserdetail carries them. */
  sensitiveFieldsEnabled: boolean;
}

/** Corp-level behaviour switches (wecom-api.md §7). */
export interface EmuPolicy {
  /** Seconds a new access token lives (WeCom: 7200). */
  tokenTtlSeconds: number;
  codeTtlSeconds: number;
  userTicketTtlSeconds: number;
  /** Caller IPs allowed to call data APIs; null = everyone (60020 otherwise). */
  trustedIps: string[] | null;
  /** The contact-sync secret is used from an IP added after 2022-08-15: detail readers give 48009. */
  contactSyncFromNewIp: boolean;
  /** Per corp and API, per window (WeCom: 10,000 a minute and 150,000 an hour). */
  rateLimitPerMinute: number;
  rateLimitPerHour: number;
  /** Per caller IP and API (WeCom: 20,000 a minute). */
  ipRateLimitPerMinute: number;
  /** Length of the "minute" window; shorter in tests. */
  rateWindowMs: number;
  /** Concurrent calls per corp and API before 45033; 0 = unlimited. */
  maxConcurrentPerApi: number;
  /** Wrong secrets from one IP before gettoken bans it for an hour. */
  wrongSecretsBeforeBan: number;
  /** Added to every API call, ±50% jitter: WeCom seen from a server in production, not from localhost. */
  latencyMs: number;
}

export const DEFAULT_POLICY: EmuPolicy = {
  tokenTtlSeconds: 7200,
  codeTtlSeconds: 300,
  userTicketTtlSeconds: 1800,
  trustedIps: null,
  contactSyncFromNewIp: false,
  rateLimitPerMinute: 10_000,
  rateLimitPerHour: 150_000,
  ipRateLimitPerMinute: 20_000,
  latencyMs: 0,
  rateWindowMs: 60_000,
  maxConcurrentPerApi: 0,
  wrongSecretsBeforeBan: 5,
};
