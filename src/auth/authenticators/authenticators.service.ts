import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppConfig } from '../../config/app-config';
import { DatabaseNotifications } from '../../database/database-notifications';
import { AUTHENTICATORS_CHANNEL } from '../../database/migrations/1764892800000-AuthenticatorChangeNotify';
import { isAuthenticatorName, type Authenticator } from './authenticator';
import { AuthException } from '../auth.exception';
import { AuthenticatorsRepository, type AuthenticatorValues } from './authenticators.repository';
import type { CreateAuthenticatorDto, UpdateAuthenticatorDto } from './dto/authenticator.dto';

const UNIQUE_VIOLATION = '23505';
/** A backstop for a listening connection that died without a word: the cache is never older than this. */
const CACHE_MAX_AGE_MS = 30_000;

/**
 * Authenticator administration: the one-auto-login rule, env-declared authenticators, secrets.
 *
 * Logins read the authenticators (opened: their secrets decrypted) from memory. Every change to the
 * table is announced by a trigger (NOTIFY), heard by every replica, which then drops its copy; a
 * generation number keeps a read that raced with a change from storing what it read. While the
 * listening connection is down nothing is cached, so no replica serves a change it did not hear of.
 */
@Injectable()
export class AuthenticatorsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthenticatorsService.name);
  private generation = 0;
  private cache: { generation: number; loadedAt: number; all: Promise<Authenticator[]> } | null = null;

  constructor(
    private readonly repository: AuthenticatorsRepository,
    private readonly config: AppConfig,
    private readonly box: SecretBox,
    private readonly notifications: DatabaseNotifications,
  ) {
    notifications.subscribe(AUTHENTICATORS_CHANNEL, (schema) => {
      if (schema === null || schema === config.database.bridgeSchema) this.forget();
    });
  }

  /** Drops the cached authenticators: the next read goes to the database. */
  forget(): void {
    this.generation += 1;
    this.cache = null;
  }

  /**
   * Refuses to start when BRIDGE_SECRET_KEY (and BRIDGE_SECRET_KEY_PREVIOUS) open nothing of an
   * authenticator's secrets, naming those authenticators: otherwise every request touching them
   * would fail. Then writes the authenticator declared by WECOM_* variables, so the environment
   * stays the source of truth (its secrets are sealed afresh, so it is never the unreadable one).
   */
  async onApplicationBootstrap(): Promise<void> {
    const declared = this.config.defaultAuthenticator;
    const unreadable = (await this.unreadable()).filter((name) => name !== declared?.name);
    if (unreadable.length) {
      throw new AuthException(
        'SECRETS_UNREADABLE',
        `BRIDGE_SECRET_KEY does not open the secrets of ${unreadable.map((n) => `"${n}"`).join(', ')}: they were sealed with another key. ` +
          'Set BRIDGE_SECRET_KEY_PREVIOUS to that key (then `npm run cli -- reseal` seals them with the new one), or start with the old key',
      );
    }
    if (!declared) return;
    await this.assertAutoLoginFree(declared.name, declared.autoLogin);
    await this.repository.upsertDeclared({ ...declared, enabled: true });
    this.forget();
    this.logger.log(`authenticator "${declared.name}" declared by environment`);
  }

  /** Names of the authenticators with a secret that no configured key opens. */
  async unreadable(): Promise<string[]> {
    const names = new Set<string>();
    for (const v of await this.repository.sealedValues()) {
      try {
        this.box.decrypt(v.sealed);
      } catch {
        names.add(v.name);
      }
    }
    return [...names];
  }

  /** Seals every secret still sealed with BRIDGE_SECRET_KEY_PREVIOUS again with BRIDGE_SECRET_KEY. */
  async reseal(): Promise<{ resealed: number; current: number }> {
    let resealed = 0;
    let current = 0;
    for (const v of await this.repository.sealedValues()) {
      if (this.box.isCurrent(v.sealed)) current += 1;
      else if (await this.repository.replaceSealed(v.id, v.field, v.sealed, this.box.encrypt(this.box.decrypt(v.sealed)))) resealed += 1;
    }
    this.forget();
    return { resealed, current };
  }

  list(): Promise<Authenticator[]> {
    return this.repository.list();
  }

  /** By id, for records that point at an authenticator (runs, events); null once it was removed. */
  findById(id: number): Promise<Authenticator | null> {
    return this.repository.findById(id);
  }

  async listEnabled(): Promise<Authenticator[]> {
    return (await this.cached()).filter((a) => a.enabled);
  }

  async get(name: string): Promise<Authenticator> {
    const found = await this.findByName(name);
    if (!found) throw notFound(name, '');
    return found;
  }

  /** For logins: a disabled authenticator is as good as absent. */
  async getEnabled(name: string): Promise<Authenticator> {
    const found = await this.findByName(name);
    if (!found?.enabled) throw notFound(name, 'enabled ');
    return found;
  }

  async getAutoLogin(): Promise<Authenticator> {
    const found = (await this.cached()).find((a) => a.enabled && a.autoLogin);
    if (!found) throw new AuthException('NO_AUTO_LOGIN_AUTHENTICATOR', 'no enabled WeCom authenticator has auto-login turned on');
    return found;
  }

  async create(dto: CreateAuthenticatorDto): Promise<Authenticator> {
    if (await this.repository.findByName(dto.name)) {
      throw new AuthException('AUTHENTICATOR_EXISTS', `a WeCom authenticator named "${dto.name}" already exists`);
    }
    await this.assertAutoLoginFree(dto.name, (dto.enabled ?? true) && (dto.autoLogin ?? false));
    return this.guardUnique(() => this.repository.insert({ ...dto, declaredByEnv: false } as AuthenticatorValues));
  }

  async update(name: string, dto: UpdateAuthenticatorDto): Promise<Authenticator> {
    const current = await this.assertEditable(name);
    const enabled = dto.enabled ?? current.enabled;
    const autoLogin = dto.autoLogin ?? current.autoLogin;
    await this.assertAutoLoginFree(name, enabled && autoLogin);
    const updated = await this.guardUnique(() => this.repository.update(name, dto as AuthenticatorValues));
    return updated ?? this.get(name);
  }

  async remove(name: string): Promise<void> {
    await this.assertEditable(name);
    try {
      await this.repository.delete(name);
    } finally {
      this.forget();
    }
  }

  /** Names come from URLs and bodies: one no authenticator can have (a NUL byte, 300 characters) is not looked up. */
  private async findByName(name: string): Promise<Authenticator | null> {
    return isAuthenticatorName(name) ? ((await this.cached()).find((a) => a.name === name) ?? null) : null;
  }

  /**
   * Every authenticator, opened, from memory when the copy is current. This replica's own writes also
   * drop it at once (forget), so its next request never waits for its own notification.
   */
  private cached(): Promise<Authenticator[]> {
    const c = this.cache;
    if (c && c.generation === this.generation && Date.now() - c.loadedAt < CACHE_MAX_AGE_MS) return c.all;
    const generation = this.generation;
    const all = this.repository.list();
    // Kept only while nothing changed since the read began and changes are being heard (notifications.live).
    if (this.notifications.live) {
      this.cache = { generation, loadedAt: Date.now(), all };
      all.catch(() => {
        if (this.cache?.all === all) this.cache = null;
      });
    }
    return all;
  }

  private async assertEditable(name: string): Promise<Authenticator> {
    const current = await this.get(name);
    if (current.declaredByEnv) {
      throw new AuthException(
        'AUTHENTICATOR_DECLARED_BY_ENV',
        `authenticator "${name}" is declared by environment variables (WECOM_*); change them and restart instead`,
      );
    }
    return current;
  }

  private async assertAutoLoginFree(name: string, wantsAutoLogin: boolean): Promise<void> {
    if (!wantsAutoLogin) return;
    const holder = await this.repository.findAutoLogin();
    if (holder && holder.name !== name) throw autoLoginTaken(holder.name);
  }

  /** The partial unique index catches the race two concurrent requests could win together. Every write goes through here. */
  private async guardUnique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      const holder = await this.repository.findAutoLogin();
      throw holder ? autoLoginTaken(holder.name) : new AuthException('AUTHENTICATOR_EXISTS', 'a WeCom authenticator with this name already exists');
    } finally {
      this.forget();
    }
  }
}

function notFound(name: string, kind: string): AuthException {
  // A name that cannot exist is not repeated back.
  const named = isAuthenticatorName(name) ? ` named "${name}"` : ' by that name';
  return new AuthException('AUTHENTICATOR_NOT_FOUND', `no ${kind}WeCom authenticator${named}`);
}

function autoLoginTaken(holder: string): AuthException {
  return new AuthException('AUTO_LOGIN_TAKEN', `only one enabled authenticator may have auto-login, and "${holder}" already has it; turn it off there first`);
}
