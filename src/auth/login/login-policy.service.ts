import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { AdvisoryLockService } from '../../database/advisory-lock.service';
import { TransactionRunner } from '../../database/transaction-runner';
import { NocobaseUsersRepository, type NocobaseUser } from '../../nocobase/nocobase-users.repository';
import { BindingsRepository, type Binding } from '../../users/bindings.repository';
import { normalizePhone, storedPhoneForm } from '../../users/phone';
import { nocobaseUsersWithPhone } from '../../users/phone-owners';
import type { Authenticator } from '../authenticators/authenticator';
import { AuthException } from '../auth.exception';

/** Who WeCom says logged in: userid for members, openid only for outsiders; a ticket only in-client with consent. */
export interface WecomIdentity {
  userid: string | null;
  userTicket: string | null;
  /** The login came from inside the WeCom client (where consent could have given a ticket). */
  inClient: boolean;
}

/** The WeCom reads the policy needs, behind a port so the policy stays testable without HTTP. */
export interface WecomMemberReader {
  /** auth/getuserdetail: the sensitive fields the member consented to share. */
  userDetail(userTicket: string): Promise<{ mobile: string | null; email: string | null }>;
  /** user/get: the member's name, or null when the app may not read it. */
  memberName(userid: string): Promise<string | null>;
}

export type LoginDecision = 'BOUND' | 'FIRST_BINDING' | 'SIGNED_UP';

export interface LoginOutcome {
  user: NocobaseUser;
  binding: Binding;
  decision: LoginDecision;
}

/** Serialises everything that binds one member: logins, and an administrator's binding. */
export const memberLockKey = (authenticatorId: number, userid: string) => `wecom-bridge:login:${authenticatorId}:${userid}`;

/**
 * Who a WeCom member is in NocoBase. In order: an existing binding; else, with an in-client
 * ticket, the NocoBase user whose phone is the member's (recording the binding); else a new
 * user when auto sign-up is on. A QR login (no ticket) never binds: WeCom does not reveal the
 * phone there, so the first login has to happen inside the WeCom client.
 */
@Injectable()
export class LoginPolicyService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly locks: AdvisoryLockService,
    private readonly bindings: BindingsRepository,
    private readonly users: NocobaseUsersRepository,
    private readonly config: AppConfig,
  ) {}

  async resolve(authenticator: Authenticator, identity: WecomIdentity, reader: WecomMemberReader): Promise<LoginOutcome> {
    const userid = identity.userid;
    if (!userid) {
      throw new AuthException('NOT_A_MEMBER', 'this WeCom account is not a member of the company; ask an administrator to add you to the directory');
    }
    // Network reads happen before the transaction, so no lock is held while WeCom answers.
    const detail = identity.userTicket ? await reader.userDetail(identity.userTicket) : null;
    const phone = detail ? normalizePhone(detail.mobile, this.config.auth.phoneDefaultRegion) : null;

    const asIs = await this.boundAsIs(authenticator, userid, identity.userTicket ? phone : undefined);
    if (asIs) return asIs;

    // Serialise per member: 50 simultaneous first logins make one user and one binding.
    return this.transactions.run(async (manager) => {
      await this.locks.lockForTransaction(manager, memberLockKey(authenticator.id, userid));
      const bound = await this.viaBinding(authenticator, userid, identity.userTicket ? phone : undefined, manager);
      if (bound) return bound;

      if (!identity.userTicket && identity.inClient) {
        throw new AuthException(
          'PHONE_NOT_SHARED',
          "WeCom did not share your mobile number: allow it on the consent page, and make sure you are in the app's visible range",
        );
      }
      if (!identity.userTicket) {
        throw new AuthException('FIRST_LOGIN_IN_CLIENT', 'complete your first login inside the WeCom client: open the app from the WeCom workbench');
      }
      if (!phone && detail?.mobile) {
        throw new AuthException(
          'PHONE_UNUSABLE',
          'WeCom shared your mobile number, but what it holds is not a phone number an account can be found by; ask an administrator to correct it in WeCom',
        );
      }
      if (!phone) {
        throw new AuthException(
          'PHONE_NOT_SHARED',
          'WeCom did not share your mobile number: allow it on the consent page, or ask an administrator to enable the mobile field for the app',
        );
      }
      // Serialise per phone too: two userids with one phone must not both bind it.
      await this.locks.lockForTransaction(manager, `wecom-bridge:phone:${authenticator.id}:${phone}`);
      const holder = await this.bindings.findByPhone(authenticator.id, phone, manager);
      if (holder) throw phoneConflict(`this mobile number is already bound to WeCom member ${holder.wecomUserid}`);

      const matches = await nocobaseUsersWithPhone(this.users, phone, this.config.auth.phoneDefaultRegion, manager);
      if (matches.length > 1) {
        throw phoneConflict(`several NocoBase users (ids ${matches.map((u) => u.id).join(', ')}) have this mobile number; an administrator must resolve it`);
      }
      let user = matches[0];
      let decision: LoginDecision = 'FIRST_BINDING';
      // Whoever can edit a member's mobile in WeCom could otherwise give it root's number.
      if (user && (await this.users.isPrivileged(user.id, manager))) {
        throw protectedAccount(`the NocoBase user #${user.id} with this mobile number holds a protected role, so it is never bound by phone`);
      }
      if (user) {
        const other = await this.bindings.findByNocobaseUser(authenticator.id, user.id, manager);
        if (other) throw phoneConflict(`the NocoBase user with this mobile number is already bound to WeCom member ${other.wecomUserid}`);
      } else if (authenticator.autoSignUp) {
        user = await this.signUp(userid, phone, detail?.email ?? null, reader, manager);
        decision = 'SIGNED_UP';
      } else {
        throw new AuthException('NO_ACCOUNT', 'no NocoBase account has this phone number; ask an administrator');
      }
      const binding = await this.bindings.createAtFirstInClientLogin(
        { authenticatorId: authenticator.id, wecomUserid: userid, nocobaseUserId: user.id, phone },
        manager,
      );
      return { user, binding, decision };
    });
  }

  /**
   * The common case on its own: a bound member whose binding stands as it is (not suspended, its user there
   * and not protected, the phone unchanged). It only reads, and writes the login time, so it takes neither
   * the member's lock nor a transaction: a concurrent change of the binding orders before or after it, as
   * under the lock. Anything else returns null and is decided again, from scratch, on the locked path.
   */
  private async boundAsIs(authenticator: Authenticator, userid: string, phone: string | null | undefined): Promise<LoginOutcome | null> {
    const binding = await this.bindings.findByUserid(authenticator.id, userid);
    if (!binding || binding.suspendedAt || (phone && phone !== binding.phone)) return null;
    const found = await this.users.findWithPrivilege(binding.nocobaseUserId);
    if (!found || (found.privileged && binding.source !== 'admin')) return null;
    await this.bindings.recordLogin(binding.id, phone === undefined ? null : { phone });
    return { user: found.user, binding: { ...binding, phone: phone ?? binding.phone }, decision: 'BOUND' };
  }

  /**
   * A bound member logs in as its user. An in-client login also brings the current phone:
   * a change updates the binding unless another binding holds that phone (a conflict, never
   * a silent move). A binding whose NocoBase user was deleted is dropped and login goes on.
   */
  private async viaBinding(
    authenticator: Authenticator,
    userid: string,
    phone: string | null | undefined,
    manager: EntityManager,
  ): Promise<LoginOutcome | null> {
    const binding = await this.bindings.findByUserid(authenticator.id, userid, manager);
    if (!binding) return null;
    const user = await this.users.findById(binding.nocobaseUserId, manager);
    if (!user) {
      await this.bindings.delete(binding.id, manager);
      return null;
    }
    if (binding.suspendedAt) {
      throw new AuthException('BINDING_SUSPENDED', 'your access was suspended because you left or were disabled in WeCom; ask an administrator');
    }
    // A binding made by phone or by a sync, whose user holds a protected role by now: only an administrator vouches for it.
    if (binding.source !== 'admin' && (await this.users.isPrivileged(user.id, manager))) {
      throw protectedAccount(`the NocoBase user #${user.id} bound to ${userid} (binding ${binding.id}, made by ${binding.source}) holds a protected role`);
    }
    if (phone && phone !== binding.phone) {
      const holder = await this.bindings.findByPhone(authenticator.id, phone, manager);
      if (holder && holder.id !== binding.id) throw phoneConflict(`your new mobile number is already bound to WeCom member ${holder.wecomUserid}`);
    }
    await this.bindings.recordLogin(binding.id, phone === undefined ? null : { phone }, manager);
    return { user, binding: { ...binding, phone: phone ?? binding.phone }, decision: 'BOUND' };
  }

  private async signUp(userid: string, phone: string, email: string | null, reader: WecomMemberReader, manager: EntityManager): Promise<NocobaseUser> {
    const name = await reader.memberName(userid);
    const usableEmail = email && !(await this.users.emailTaken(email, manager)) ? email : null;
    return this.users.create({ nickname: name ?? userid, phone: storedPhoneForm(phone, this.config.auth.phoneDefaultRegion), email: usableEmail }, manager);
  }
}

function protectedAccount(why: string): AuthException {
  return new AuthException(
    'PROTECTED_ACCOUNT',
    `${why}: ask an administrator to bind it (POST /api/admin/bindings with the authenticator, the WeCom userid and the NocoBase user id)`,
  );
}

function phoneConflict(message: string): AuthException {
  return new AuthException('PHONE_CONFLICT', `${message}; nothing was changed`);
}
