import { Injectable } from '@nestjs/common';
import type { Authenticator } from '../../auth/authenticators/authenticator';
import { toAdminView } from '../../auth/authenticators/authenticator.mapper';
import { LoginAuditRepository } from '../../auth/login/login-audit.repository';
import { cronProblem, nextFirings } from '../../common/cron';
import { WecomClientFactory } from '../../wecom/wecom-client.factory';
import { WecomException } from '../../wecom/wecom.exception';
import { CallbackStatusRepository } from '../events/callback-status.repository';
import { ContactEventsRepository } from '../events/contact-events.repository';
import { SyncRunsRepository } from '../runs/sync-runs.repository';

/** How far back the WeCom errors an administrator should act on are looked for. */
const RECENT_ERROR_DAYS = 7;

export type CredentialCheck =
  | { configured: false }
  | { configured: true; ok: true; departments: number }
  | { configured: true; ok: false; code: string; errcode: number | null; message: string };

/**
 * What an administrator checks when setting an authenticator up or when members cannot log in: can each secret
 * get a token and read the directory, did WeCom verify the callback and send events, when does the sync run next,
 * and which actionable WeCom errors (untrusted IP, redirect domain, 48009) logins and syncs met lately.
 */
@Injectable()
export class AuthenticatorCheckService {
  constructor(
    private readonly wecom: WecomClientFactory,
    private readonly callbacks: CallbackStatusRepository,
    private readonly events: ContactEventsRepository,
    private readonly runs: SyncRunsRepository,
    private readonly audit: LoginAuditRepository,
  ) {}

  async check(authenticator: Authenticator) {
    const [app, contactSync, callback, queue, loginErrors, syncErrors] = await Promise.all([
      this.credentials(authenticator, authenticator.secret),
      this.credentials(authenticator, authenticator.contactSecret),
      this.callbacks.of(authenticator.id),
      this.events.queueDepth(),
      this.audit.recentWecomErrors(authenticator.id, RECENT_ERROR_DAYS),
      this.runs.recentWecomErrors(authenticator.id, RECENT_ERROR_DAYS),
    ]);
    const problem = authenticator.syncCron ? cronProblem(authenticator.syncCron) : null;
    return {
      authenticator: authenticator.name,
      enabled: authenticator.enabled,
      /** Settings come from the bridge's environment (WECOM_*) and are changed there, not through the API. */
      declaredByEnv: authenticator.declaredByEnv,
      credentials: { app, contactSync },
      callback: {
        configured: Boolean(authenticator.callbackToken && authenticator.callbackAesKey),
        ...callback,
        pendingEvents: queue.find((q) => q.authenticatorId === authenticator.id)?.pending ?? 0,
      },
      schedule: {
        cron: authenticator.syncCron,
        problem,
        nextRuns: authenticator.enabled && authenticator.syncCron && !problem ? nextFirings(authenticator.syncCron, 5) : [],
      },
      wecomConsole: toAdminView(authenticator).wecomConsole,
      recentWecomErrors: [...loginErrors.map((e) => ({ ...e, source: 'login' as const })), ...syncErrors.map((e) => ({ ...e, source: 'sync' as const }))].sort(
        (a, b) => new Date(b.at).getTime() - new Date(a.at).getTime(),
      ),
    };
  }

  /** A token, then one cheap read (department ids): a secret that gets a token can still be refused for the IP (60020). */
  private async credentials(authenticator: Authenticator, secret: string | null): Promise<CredentialCheck> {
    if (!secret) return { configured: false };
    try {
      const departments = await this.wecom.forCredentials(authenticator.corpId, secret).listDepartmentIds();
      return { configured: true, ok: true, departments: departments.length };
    } catch (error) {
      if (!(error instanceof WecomException)) throw error;
      return { configured: true, ok: false, code: error.code, errcode: error.errcode, message: error.message };
    }
  }
}
