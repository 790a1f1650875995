import { Injectable } from '@nestjs/common';
import { AdvisoryLockService } from '../../database/advisory-lock.service';
import { TransactionRunner } from '../../database/transaction-runner';
import { NocobaseUsersRepository } from '../../nocobase/nocobase-users.repository';
import { BindingsRepository, type Binding } from '../../users/bindings.repository';
import { AdminAuditRepository } from '../admin-audit.repository';
import type { AdminPrincipal } from '../admin.guard';
import { AuthException } from '../auth.exception';
import { AuthenticatorsService } from '../authenticators/authenticators.service';
import { memberLockKey } from '../login/login-policy.service';

/** Who did it and from where, for the audit. */
export interface AdminActor {
  admin: AdminPrincipal;
  ip: string | null;
}

/**
 * Binding administration: an administrator binds a member to a NocoBase user by hand (the only way
 * a privileged user is bound), confirms a binding made by phone, or removes one. Each change is
 * audited in the same transaction, under the member's login lock, so it never races a login.
 */
@Injectable()
export class AdminBindingsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly locks: AdvisoryLockService,
    private readonly bindings: BindingsRepository,
    private readonly users: NocobaseUsersRepository,
    private readonly authenticators: AuthenticatorsService,
    private readonly audit: AdminAuditRepository,
  ) {}

  /** Binds, or confirms the same binding; `created` says which. Never moves an existing binding. */
  async bind(name: string, wecomUserid: string, userId: number, actor: AdminActor): Promise<{ binding: Binding; created: boolean }> {
    const authenticator = await this.authenticators.get(name);
    return this.transactions.run(async (manager) => {
      await this.locks.lockForTransaction(manager, memberLockKey(authenticator.id, wecomUserid));
      if (!(await this.users.findById(userId, manager))) throw new AuthException('USER_NOT_FOUND', `no NocoBase user with id ${userId}`);
      const existing = await this.bindings.findByUserid(authenticator.id, wecomUserid, manager);
      if (existing && existing.nocobaseUserId !== userId) {
        throw bindingExists(`WeCom member ${wecomUserid} is bound to NocoBase user #${existing.nocobaseUserId} (binding ${existing.id})`);
      }
      const other = existing ? null : await this.bindings.findByNocobaseUser(authenticator.id, userId, manager);
      if (other) throw bindingExists(`NocoBase user #${userId} is bound to WeCom member ${other.wecomUserid} (binding ${other.id})`);
      const binding = existing
        ? await this.bindings.confirmByAdmin(existing.id, manager)
        : await this.bindings.createByAdmin({ authenticatorId: authenticator.id, wecomUserid, nocobaseUserId: userId }, manager);
      await this.audit.record(
        {
          ...actor,
          action: existing ? 'binding.confirm' : 'binding.create',
          authenticatorId: authenticator.id,
          detail: { bindingId: binding.id, wecomUserid, userId, ...(existing ? { previousSource: existing.source } : {}) },
        },
        manager,
      );
      return { binding, created: !existing };
    });
  }

  async remove(id: number, actor: AdminActor): Promise<void> {
    await this.transactions.run(async (manager) => {
      const binding = await this.bindings.findById(id, manager);
      if (!binding || !(await this.bindings.delete(id, manager))) throw new AuthException('BINDING_NOT_FOUND', `no binding with id ${id}`);
      await this.audit.record(
        {
          ...actor,
          action: 'binding.delete',
          authenticatorId: binding.authenticatorId,
          detail: { bindingId: id, wecomUserid: binding.wecomUserid, userId: binding.nocobaseUserId, source: binding.source },
        },
        manager,
      );
    });
  }
}

function bindingExists(what: string): AuthException {
  return new AuthException('BINDING_EXISTS', `${what}; delete that binding first (DELETE /api/admin/bindings/:id), nothing was changed`);
}
