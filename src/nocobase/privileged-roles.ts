/** NocoBase's own administrator roles: whoever holds one administers NocoBase (and the bridge's admin API). */
export const NOCOBASE_ADMIN_ROLES: readonly string[] = ['root', 'admin'];

/**
 * NocoBase roles whose holders the WeCom directory must never reach by itself: root and admin,
 * plus those listed in WECOM_PROTECTED_ROLES. A user holding one is never bound by phone, never
 * provisioned, auto-bound or offboarded by a sync, and never has WeCom's name, email or phone
 * written over theirs; only an administrator binds them (POST /api/admin/bindings).
 */
export class PrivilegedRoles {
  readonly names: readonly string[];

  constructor(configured: readonly string[] = []) {
    this.names = [...new Set([...NOCOBASE_ADMIN_ROLES, ...configured])];
  }

  includesAny(roles: readonly string[]): boolean {
    return roles.some((role) => this.names.includes(role));
  }
}
