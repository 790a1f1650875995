/**
 * NocoBase roles whose holders the bridge treats as privileged: they administer NocoBase, so a
 * WeCom directory change must never reach them (never offboarded, never bound by phone).
 */
export const PRIVILEGED_ROLES: readonly string[] = ['root', 'admin'];

export function isPrivileged(roles: readonly string[]): boolean {
  return roles.some((role) => PRIVILEGED_ROLES.includes(role));
}
