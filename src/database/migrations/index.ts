import { CreateAccessTokens1764043200000 } from './1764043200000-CreateAccessTokens';
import { CreateAuthenticatorsAndBindings1764050400000 } from './1764050400000-CreateAuthenticatorsAndBindings';
import { CreateSyncTables1764057600000 } from './1764057600000-CreateSyncTables';
import { RunLeasesAndProvisionedUsers1764633600000 } from './1764633600000-RunLeasesAndProvisionedUsers';
import { LoginAuditRequestId1764640800000 } from './1764640800000-LoginAuditRequestId';
import { AdminBindingsAndAudit1764720000000 } from './1764720000000-AdminBindingsAndAudit';
import { CallbackStatus1764806400000 } from './1764806400000-CallbackStatus';
import { AuthenticatorChangeNotify1764892800000 } from './1764892800000-AuthenticatorChangeNotify';
import { RunReadProgress1764979200000 } from './1764979200000-RunReadProgress';

/** Every migration, oldest first. A committed migration is never edited; add a new one. */
export const MIGRATIONS = [
  CreateAccessTokens1764043200000,
  CreateAuthenticatorsAndBindings1764050400000,
  CreateSyncTables1764057600000,
  RunLeasesAndProvisionedUsers1764633600000,
  LoginAuditRequestId1764640800000,
  AdminBindingsAndAudit1764720000000,
  CallbackStatus1764806400000,
  AuthenticatorChangeNotify1764892800000,
  RunReadProgress1764979200000,
];
