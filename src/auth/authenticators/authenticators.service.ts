import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppConfig } from '../../config/app-config';
import { isAuthenticatorName, type Authenticator } from './authenticator';
import { AuthException } from '../auth.exception';
import { AuthenticatorsRepository, type AuthenticatorValues } from './authenticators.repository';
import type { CreateAuthenticatorDto, UpdateAuthenticatorDto } from './dto/authenticator.dto';

const UNIQUE_VIOLATION = '23505';

/** Authenticator administration: the one-auto-login rule, env-declared authenticators, secrets. */
@Injectable()
export class AuthenticatorsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthenticatorsService.name);

  constructor(
    private readonly repository: AuthenticatorsRepository,
    private readonly config: AppConfig,
    private readonly box: SecretBox,
  ) {}

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
    return (await this.repository.list()).filter((a) => a.enabled);
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
    const found = await this.repository.findAutoLogin();
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
    await this.repository.delete(name);
  }

  /** Names come from URLs and bodies: one no authenticator can have (a NUL byte, 300 characters) is not looked up. */
  private findByName(name: string): Promise<Authenticator | null> {
    return isAuthenticatorName(name) ? this.repository.findByName(name) : Promise.resolve(null);
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

  /** The partial unique index catches the race two concurrent requests could win together. */
  private async guardUnique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      const holder = await this.repository.findAutoLogin();
      throw holder ? autoLoginTaken(holder.name) : new AuthException('AUTHENTICATOR_EXISTS', 'a WeCom authenticator with this name already exists');
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
