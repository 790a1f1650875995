import { AUTH_ERROR_STATUS } from './auth/auth.exception';
import { NOCOBASE_ERROR_STATUS } from './nocobase/nocobase.exception';
import { SYNC_ERROR_STATUS } from './sync/sync.exception';
import { WECOM_ERROR_STATUS } from './wecom/wecom.exception';

/** Every module's codes with their HTTP statuses (error-statuses.spec checks no code is defined twice). */
export const ERROR_STATUS = { ...AUTH_ERROR_STATUS, ...SYNC_ERROR_STATUS, ...WECOM_ERROR_STATUS, ...NOCOBASE_ERROR_STATUS } as const;

export type AppErrorCode = keyof typeof ERROR_STATUS;
