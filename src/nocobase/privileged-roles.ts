/** NocoBase's administering roles: their holders may use the bridge's admin API. */
export const ADMIN_ROLES: readonly string[] = ['root', 'admin'];

/**
 * Roles whose holders the bridge treats as privileged: they administer NocoBase, so a WeCom
 * directory change must never reach them (never offboarded, never bound by phone).
 */
export const PRIVILEGED_ROLES: readonly string[] = ADMIN_ROLES;
