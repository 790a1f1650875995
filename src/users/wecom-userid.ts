/**
 * A WeCom userid as WeCom allows it: 1–64 bytes of letters, digits, `_ - @ .`, starting with a
 * letter or digit. Userids from outside (admin input, callbacks) are checked against it before
 * they reach a query.
 */
export const WECOM_USERID = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

export function isWecomUserid(value: unknown): value is string {
  return typeof value === 'string' && WECOM_USERID.test(value);
}
