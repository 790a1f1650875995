import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Authenticator } from '../../auth/authenticators/authenticator';
import { isAuthenticatorName } from '../../auth/authenticators/authenticator';
import { AuthenticatorsService } from '../../auth/authenticators/authenticators.service';
import { AppException } from '../../common/exceptions/app.exception';
import { TransactionRunner } from '../../database/transaction-runner';
import { BindingsRepository } from '../../users/bindings.repository';
import { CallbackCrypto, CallbackCryptoError } from '../../wecom/callback-crypto';
import { DirectoryMirrorRepository } from '../directory-mirror.repository';
import type { SyncRun } from '../runs/sync-runs.repository';
import { SyncException } from '../sync.exception';
import { SyncService } from '../sync.service';
import { checkContactEvent, excerpt, InvalidContactEvent, parseContactEvent } from './contact-event';
import { CallbackStatusRepository } from './callback-status.repository';
import { ContactEventsRepository, type ContactEvent } from './contact-events.repository';

/** The query WeCom signs; anything else (an array from a repeated parameter) counts as missing. */
export interface CallbackQuery {
  msg_signature?: unknown;
  timestamp?: unknown;
  nonce?: unknown;
  echostr?: unknown;
}

/** Events arriving within this window are applied together, in one run. */
const BATCH_WINDOW_MS = 300;
/** A signed callback is accepted this long either side of its timestamp: a captured one cannot be replayed later. */
export const CALLBACK_WINDOW_SECONDS = 300;
/** Processed events are kept this long (the audit of what arrived and what became of it). */
const RETENTION_DAYS = 30;
const UNIQUE_VIOLATION = '23505';

/** An event ready to apply, with the members it names. */
interface ReadyEvent {
  event: ContactEvent;
  userids: string[];
}

/**
 * WeCom's contact-change callback: verified (signature, then a timestamp window), decrypted,
 * checked and stored before answering (WeCom waits 5 s and redelivers), then applied in the
 * background by re-reading the members it names (payloads after 2022 carry only ids). Each event
 * has its own outcome: a bad one is recorded as failed and never holds up or takes down the rest.
 * Events that arrive during a run wait for it and go next.
 */
@Injectable()
export class ContactEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(ContactEventsService.name);
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly draining = new Map<number, Promise<void>>();
  private closed = false;
  private prunedAt = 0;
  /** How often processed events past their retention are deleted (at the end of a drain). */
  pruneEveryMs = 3_600_000;

  constructor(
    private readonly authenticators: AuthenticatorsService,
    private readonly events: ContactEventsRepository,
    private readonly transactions: TransactionRunner,
    private readonly bindings: BindingsRepository,
    private readonly mirror: DirectoryMirrorRepository,
    private readonly sync: SyncService,
    private readonly status: CallbackStatusRepository,
  ) {}

  /** The URL check WeCom makes when the callback is saved: answer the decrypted echostr. */
  verifyUrl(name: string, q: CallbackQuery, ip: string | undefined): Promise<string> {
    return this.logRefusal(name, ip, async () => {
      const { authenticator, crypto } = await this.cryptoFor(name);
      const echostr = text(q.echostr);
      if (!echostr) throw new SyncException('CALLBACK_MALFORMED', 'echostr is missing');
      const echo = await this.opened(authenticator, () => this.open(crypto, q, echostr));
      await this.status.urlVerified(authenticator.id);
      return echo;
    });
  }

  /** Verifies, checks and stores one event; the change is applied shortly after, off the request. */
  receive(name: string, q: CallbackQuery, body: string, ip: string | undefined): Promise<{ duplicate: boolean }> {
    return this.logRefusal(name, ip, async () => {
      const { authenticator, crypto } = await this.cryptoFor(name);
      const encrypted = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(body)?.[1] ?? /<Encrypt>([^<]*)<\/Encrypt>/.exec(body)?.[1];
      if (!encrypted) throw new SyncException('CALLBACK_MALFORMED', 'the body has no <Encrypt> element');
      const plain = await this.opened(authenticator, () => this.open(crypto, q, encrypted));
      const key = createHash('sha256').update(plain).digest('base64url');
      let event;
      try {
        event = parseContactEvent(plain);
      } catch (error) {
        if (!(error instanceof InvalidContactEvent)) throw error;
        // Signed by WeCom's token but unreadable: kept as a failure for the administrator, never applied.
        await this.events.recordRefused(authenticator.id, key, error.message, excerpt(plain));
        throw new SyncException('CALLBACK_MALFORMED', `the event was refused: ${error.message}`);
      }
      const fresh = await this.events.record(authenticator.id, key, event.ChangeType, event);
      await this.status.eventReceived(authenticator.id);
      if (fresh) this.schedule(authenticator.id);
      return { duplicate: !fresh };
    });
  }

  /** Applies an authenticator's waiting events now (also used after a restart and by tests). */
  drain(authenticatorId: number): Promise<void> {
    const running = this.draining.get(authenticatorId);
    if (running) return running.then(() => this.drain(authenticatorId));
    const work = this.drainNow(authenticatorId).finally(() => this.draining.delete(authenticatorId));
    this.draining.set(authenticatorId, work);
    return work;
  }

  /** Resolves once nothing is scheduled or draining. */
  async idle(): Promise<void> {
    while (this.timers.size || this.draining.size) {
      await Promise.all([...this.draining.values()]);
      if (this.timers.size) await new Promise((r) => setTimeout(r, BATCH_WINDOW_MS));
    }
  }

  onModuleDestroy(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(authenticatorId: number): void {
    if (this.closed || this.timers.has(authenticatorId)) return;
    this.timers.set(
      authenticatorId,
      setTimeout(() => {
        this.timers.delete(authenticatorId);
        this.drain(authenticatorId).catch((error) => this.logger.error(`contact events of authenticator ${authenticatorId} failed`, (error as Error).stack));
      }, BATCH_WINDOW_MS),
    );
  }

  private async drainNow(authenticatorId: number): Promise<void> {
    for (;;) {
      const batch = await this.events.pending(authenticatorId);
      if (!batch.length || this.closed) break;
      const authenticator = await this.authenticators.findById(authenticatorId);
      if (!authenticator) {
        await this.events.markProcessed(
          batch.map((e) => e.id),
          'the authenticator was removed',
        );
        break;
      }
      if (!(await this.apply(authenticator, await this.prepare(authenticator, batch)))) return;
    }
    if (Date.now() - this.prunedAt >= this.pruneEveryMs) {
      this.prunedAt = Date.now();
      await this.events.prune(RETENTION_DAYS);
    }
  }

  /** Checks each event and makes its userid rename; one that cannot be either is recorded as failed on its own. */
  private async prepare(authenticator: Authenticator, batch: ContactEvent[]): Promise<ReadyEvent[]> {
    const ready: ReadyEvent[] = [];
    for (const event of batch) {
      let userid: string | undefined;
      let renamed: string | undefined;
      try {
        ({ UserID: userid, NewUserID: renamed } = checkContactEvent(event.payload));
      } catch (error) {
        await this.fail(authenticator, event, `refused: ${(error as Error).message}`);
        continue;
      }
      if (userid && renamed && renamed !== userid) {
        try {
          await this.transactions.run(async (manager) => {
            await this.bindings.renameUserid(authenticator.id, userid, renamed, manager);
            await this.mirror.renameMember(authenticator.id, userid, renamed, manager);
          });
        } catch (error) {
          const why =
            (error as { code?: string }).code === UNIQUE_VIOLATION
              ? `${renamed} already has a binding or a mirrored member; an administrator must remove the stale one`
              : (error as Error).message;
          await this.fail(authenticator, event, `could not rename ${userid} to ${renamed}: ${why}`);
          continue;
        }
      }
      // Party events name no member: every event run re-reads the department tree.
      const member = renamed ?? userid;
      ready.push({ event, userids: member ? [member] : [] });
    }
    return ready;
  }

  /**
   * One run for the whole batch; if it crashes, one run per event, so the event that broke it is
   * the only one recorded as failed. False when the service is closing (the events stay pending).
   */
  private async apply(authenticator: Authenticator, ready: ReadyEvent[]): Promise<boolean> {
    if (!ready.length) return true;
    const together = await this.runFor(authenticator, [...new Set(ready.flatMap((r) => r.userids))]);
    if (!together) return false;
    // A refusal from WeCom (unreachable, no privilege) would fail every event alike; a crash may be one event's doing.
    if (together.status === 'succeeded' || together.errorCode !== 'INTERNAL_ERROR' || ready.length === 1) {
      await this.events.markProcessed(
        ready.map((r) => r.event.id),
        outcomeOf(together),
      );
      return true;
    }
    this.logger.warn(`event run ${together.id} of ${authenticator.name} crashed; applying its ${ready.length} events one by one`);
    for (const r of ready) {
      const alone = await this.runFor(authenticator, r.userids);
      if (!alone) return false;
      await this.events.markProcessed([r.event.id], outcomeOf(alone));
    }
    return true;
  }

  /** Our own event run for these members, once any run already going for the authenticator is over; null when closing. */
  private async runFor(authenticator: Authenticator, userids: string[]): Promise<SyncRun | null> {
    for (;;) {
      const { alreadyRunning, done } = await this.sync.trigger(authenticator, 'event', { onlyMembers: userids });
      const finished = await done;
      if (this.closed && ['queued', 'running'].includes(finished.status)) return null;
      if (!alreadyRunning) return finished;
      if (this.closed) return null;
    }
  }

  private async fail(authenticator: Authenticator, event: ContactEvent, error: string): Promise<void> {
    this.logger.warn(`contact event ${event.id} of ${authenticator.name} failed: ${error}`);
    await this.events.markProcessed([event.id], error);
  }

  private async cryptoFor(name: string): Promise<{ authenticator: Authenticator; crypto: CallbackCrypto }> {
    const authenticator = await this.authenticators.getEnabled(name);
    if (!authenticator.callbackToken || !authenticator.callbackAesKey) {
      throw new SyncException(
        'CALLBACK_NOT_CONFIGURED',
        `authenticator "${name}" has no callback Token and EncodingAESKey; set them to receive contact changes`,
      );
    }
    return { authenticator, crypto: new CallbackCrypto(authenticator.callbackToken, authenticator.callbackAesKey, authenticator.corpId) };
  }

  /** Opens a callback, keeping a refusal where the settings page shows it (a Token or key unlike WeCom's looks like this). */
  private async opened<T>(authenticator: Authenticator, open: () => T): Promise<T> {
    try {
      return open();
    } catch (error) {
      if (error instanceof AppException) await this.status.refused(authenticator.id, `${error.code}: ${error.message}`);
      throw error;
    }
  }

  /** Signature, then the timestamp window, then decryption: what WeCom signed, recently, for us. */
  private open(crypto: CallbackCrypto, q: CallbackQuery, encrypted: string): string {
    const timestamp = text(q.timestamp);
    try {
      crypto.verify(text(q.msg_signature), timestamp, text(q.nonce), encrypted);
      const age = Math.abs(Date.now() / 1000 - Number(timestamp));
      if (!/^\d{1,12}$/.test(timestamp) || age > CALLBACK_WINDOW_SECONDS) {
        throw new SyncException('CALLBACK_EXPIRED', `the callback's timestamp is more than ${CALLBACK_WINDOW_SECONDS} s away from now; replays are refused`);
      }
      return crypto.decrypt(encrypted);
    } catch (error) {
      if (error instanceof CallbackCryptoError) {
        const code = error.reason === 'bad_signature' ? 'CALLBACK_SIGNATURE_INVALID' : 'CALLBACK_MALFORMED';
        throw new SyncException(code, `the callback could not be verified: ${error.message}`);
      }
      throw error;
    }
  }

  /** Refusals are the caller's (4xx), so never an ERROR; but a warning with who sent it, since only WeCom should. */
  private async logRefusal<T>(name: string, ip: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppException) {
        const who = isAuthenticatorName(name) ? `"${name}"` : 'an unknown authenticator';
        this.logger.warn(`refused a contact callback for ${who} from ${ip ?? 'an unknown address'}: ${error.code} ${error.message}`);
      }
      throw error;
    }
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function outcomeOf(run: SyncRun): string | null {
  return run.status === 'succeeded' ? null : `run ${run.id} ${run.status}: ${run.error ?? ''}`.trim();
}
