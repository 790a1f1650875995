import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { XMLParser } from 'fast-xml-parser';
import { createHash } from 'node:crypto';
import type { Authenticator } from '../../auth/authenticators/authenticator';
import { AuthenticatorsService } from '../../auth/authenticators/authenticators.service';
import { CallbackCrypto, CallbackCryptoError } from '../../wecom/callback-crypto';
import { ContactEventsRepository } from '../events/contact-events.repository';
import { SyncException } from '../sync.exception';
import { TransactionRunner } from '../../database/transaction-runner';
import { BindingsRepository } from '../../users/bindings.repository';
import { DirectoryMirrorRepository } from '../directory-mirror.repository';
import { SyncService } from '../sync.service';

export interface CallbackQuery {
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
}

/** Events arriving within this window are applied together, in one run. */
const BATCH_WINDOW_MS = 300;
const xml = new XMLParser({ parseTagValue: false, processEntities: false });

/**
 * WeCom's contact-change callback: verified, decrypted and stored before answering (WeCom
 * waits 5 s and redelivers), then applied in the background by re-reading the members it names
 * (payloads after 2022 carry only ids). Events that arrive during a run wait for it and go next.
 */
@Injectable()
export class ContactEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(ContactEventsService.name);
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly draining = new Map<number, Promise<void>>();
  private closed = false;

  constructor(
    private readonly authenticators: AuthenticatorsService,
    private readonly events: ContactEventsRepository,
    private readonly transactions: TransactionRunner,
    private readonly bindings: BindingsRepository,
    private readonly mirror: DirectoryMirrorRepository,
    private readonly sync: SyncService,
  ) {}

  /** The URL check WeCom makes when the callback is saved: answer the decrypted echostr. */
  async verifyUrl(name: string, q: CallbackQuery): Promise<string> {
    const { crypto } = await this.cryptoFor(name);
    if (!q.echostr) throw new SyncException('CALLBACK_MALFORMED', 'echostr is missing');
    return this.guard(() => crypto.echo(q.msg_signature ?? '', q.timestamp ?? '', q.nonce ?? '', q.echostr!));
  }

  /** Verifies and stores one event; the change is applied shortly after, off the request. */
  async receive(name: string, q: CallbackQuery, body: string): Promise<{ duplicate: boolean }> {
    const { authenticator, crypto } = await this.cryptoFor(name);
    const encrypted = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(body)?.[1] ?? /<Encrypt>([^<]*)<\/Encrypt>/.exec(body)?.[1];
    if (!encrypted) throw new SyncException('CALLBACK_MALFORMED', 'the body has no <Encrypt> element');
    const plain = this.guard(() => {
      crypto.verify(q.msg_signature ?? '', q.timestamp ?? '', q.nonce ?? '', encrypted);
      return crypto.decrypt(encrypted);
    });
    const event = (xml.parse(plain) as { xml?: Record<string, string> }).xml;
    if (!event?.ChangeType) throw new SyncException('CALLBACK_MALFORMED', 'the decrypted message has no ChangeType');
    const key = createHash('sha256').update(plain).digest('base64url');
    const fresh = await this.events.record(authenticator.id, key, event.ChangeType, event);
    if (fresh) this.schedule(authenticator.id);
    return { duplicate: !fresh };
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
      if (!batch.length || this.closed) return;
      const authenticator = await this.authenticators.findById(authenticatorId);
      if (!authenticator)
        return this.events.markProcessed(
          batch.map((e) => e.id),
          'the authenticator was removed',
        );
      const userids = new Set<string>();
      for (const e of batch) {
        const { UserID: userid, NewUserID: renamed } = e.payload;
        if (renamed && userid && renamed !== userid) {
          await this.transactions.run(async (manager) => {
            await this.bindings.renameUserid(authenticator.id, userid, renamed, manager);
            await this.mirror.renameMember(authenticator.id, userid, renamed, manager);
          });
          userids.add(renamed);
        } else if (userid) userids.add(userid);
      }
      // Party events need no member list: every event run re-reads the department tree.
      const { run, alreadyRunning, done } = await this.sync.trigger(authenticator, 'event', { onlyMembers: [...userids] });
      if (alreadyRunning) {
        await done; // a full or event run is under way; ours goes right after it
        if (this.closed) return;
        continue;
      }
      const finished = await done;
      if (this.closed && ['queued', 'running'].includes(finished.status)) return;
      const error = finished.status === 'succeeded' ? null : `run ${run.id} ${finished.status}: ${finished.error ?? ''}`.trim();
      await this.events.markProcessed(
        batch.map((e) => e.id),
        error,
      );
    }
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

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof CallbackCryptoError) {
        const code = error.reason === 'bad_signature' ? 'CALLBACK_SIGNATURE_INVALID' : 'CALLBACK_MALFORMED';
        throw new SyncException(code, `the callback could not be verified: ${error.message}`);
      }
      throw error;
    }
  }
}
