import { AUTH_ERROR_STATUS } from './auth/auth.exception';
import { ERROR_STATUS } from './error-statuses';
import { NOCOBASE_ERROR_STATUS } from './nocobase/nocobase.exception';
import { SYNC_ERROR_STATUS } from './sync/sync.exception';
import { WECOM_ERROR_STATUS } from './wecom/wecom.exception';

describe('ERROR_STATUS', () => {
  const tables = { AUTH_ERROR_STATUS, SYNC_ERROR_STATUS, WECOM_ERROR_STATUS, NOCOBASE_ERROR_STATUS };

  it("keeps every module code with its own status (no module redefines another one's code)", () => {
    const owners = new Map<string, string[]>();
    for (const [table, codes] of Object.entries(tables)) for (const code of Object.keys(codes)) owners.set(code, [...(owners.get(code) ?? []), table]);
    expect([...owners].filter(([, in_]) => in_.length > 1)).toEqual([]);
    for (const codes of Object.values(tables))
      for (const [code, status] of Object.entries(codes)) expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS]).toBe(status);
  });

  it('maps every code to an HTTP error status', () => {
    for (const status of Object.values(ERROR_STATUS)) expect(status >= 400 && status <= 599).toBe(true);
  });
});
