import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppConfig } from '../../config/app-config';
import { qualified } from '../../database/sql';
import type { Authenticator } from './authenticator';

/** Columns ↔ fields; secret fields are sealed with BRIDGE_SECRET_KEY on the way in. */
const FIELDS: Record<string, string> = {
  name: 'name',
  title: 'title',
  enabled: 'enabled',
  corpId: 'corp_id',
  agentId: 'agent_id',
  origin: 'origin',
  bridgeUrl: 'bridge_url',
  nocobaseAuthenticator: 'nocobase_authenticator',
  autoSignUp: 'auto_sign_up',
  autoLogin: 'auto_login',
  workbenchPath: 'workbench_path',
  syncCron: 'sync_cron',
  provisionOnSync: 'provision_on_sync',
  offboarding: 'offboarding',
  offboardingThresholdPercent: 'offboarding_threshold_percent',
  declaredByEnv: 'declared_by_env',
};
const SEALED_FIELDS: Record<string, string> = {
  secret: 'secret_sealed',
  contactSecret: 'contact_secret_sealed',
  callbackToken: 'callback_token_sealed',
  callbackAesKey: 'callback_aes_key_sealed',
};

export type AuthenticatorValues = Partial<Omit<Authenticator, 'id' | 'createdAt' | 'updatedAt'>>;

@Injectable()
export class AuthenticatorsRepository {
  private readonly table: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'authenticators');
  }

  async list(): Promise<Authenticator[]> {
    return (await this.dataSource.query(`SELECT * FROM ${this.table} ORDER BY id`)).map((r: Row) => this.toAuthenticator(r));
  }

  async findByName(name: string): Promise<Authenticator | null> {
    const rows = await this.dataSource.query(`SELECT * FROM ${this.table} WHERE name = $1`, [name]);
    return rows[0] ? this.toAuthenticator(rows[0]) : null;
  }

  async findById(id: number): Promise<Authenticator | null> {
    const rows = await this.dataSource.query(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? this.toAuthenticator(rows[0]) : null;
  }

  async findAutoLogin(): Promise<Authenticator | null> {
    const rows = await this.dataSource.query(`SELECT * FROM ${this.table} WHERE enabled AND auto_login LIMIT 1`);
    return rows[0] ? this.toAuthenticator(rows[0]) : null;
  }

  async insert(values: AuthenticatorValues): Promise<Authenticator> {
    const { columns, params } = this.toColumns(values);
    const [row] = await this.dataSource.query(
      `INSERT INTO ${this.table} (${columns.join(', ')}) VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
      params,
    );
    return this.toAuthenticator(row);
  }

  async update(name: string, values: AuthenticatorValues): Promise<Authenticator | null> {
    const { columns, params } = this.toColumns(values);
    if (!columns.length) return this.findByName(name);
    const set = columns.map((c, i) => `${c} = $${i + 2}`).join(', ');
    // TypeORM answers UPDATE … RETURNING with [rows, rowCount].
    const [rows] = await this.dataSource.query(`UPDATE ${this.table} SET ${set}, updated_at = now() WHERE name = $1 RETURNING *`, [name, ...params]);
    return rows[0] ? this.toAuthenticator(rows[0]) : null;
  }

  /** Insert or replace the authenticator declared by environment variables. */
  async upsertDeclared(values: AuthenticatorValues & { name: string }): Promise<Authenticator> {
    const { columns, params } = this.toColumns({ ...values, declaredByEnv: true });
    const set = columns.filter((c) => c !== 'name').map((c) => `${c} = EXCLUDED.${c}`);
    const [row] = await this.dataSource.query(
      `INSERT INTO ${this.table} (${columns.join(', ')}) VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (name) DO UPDATE SET ${set.join(', ')}, updated_at = now() RETURNING *`,
      params,
    );
    return this.toAuthenticator(row);
  }

  /** Every sealed value as stored, for checking and re-sealing them after a BRIDGE_SECRET_KEY rotation. */
  async sealedValues(): Promise<{ id: number; name: string; field: string; sealed: string }[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT id, name, ${Object.values(SEALED_FIELDS).join(', ')} FROM ${this.table} ORDER BY id`);
    return rows.flatMap((r) =>
      Object.entries(SEALED_FIELDS)
        .filter(([, column]) => r[column] != null)
        .map(([field, column]) => ({ id: Number(r.id), name: r.name as string, field, sealed: String(r[column]) })),
    );
  }

  /** Stores a value sealed again with the current key, if it is still the one that was read. */
  async replaceSealed(id: number, field: string, was: string, sealed: string): Promise<boolean> {
    const column = SEALED_FIELDS[field];
    if (!column) throw new Error(`${field} is not a sealed field`);
    const [, affected] = await this.dataSource.query(`UPDATE ${this.table} SET ${column} = $3 WHERE id = $1 AND ${column} = $2`, [id, was, sealed]);
    return affected > 0;
  }

  async delete(name: string): Promise<boolean> {
    const [, affected] = await this.dataSource.query(`DELETE FROM ${this.table} WHERE name = $1`, [name]);
    return affected > 0;
  }

  private toColumns(values: AuthenticatorValues): { columns: string[]; params: unknown[] } {
    const columns: string[] = [];
    const params: unknown[] = [];
    for (const [field, value] of Object.entries(values)) {
      if (value === undefined) continue;
      if (FIELDS[field]) {
        columns.push(FIELDS[field]);
        params.push(value);
      } else if (SEALED_FIELDS[field]) {
        columns.push(SEALED_FIELDS[field]);
        params.push(value === null ? null : this.box.encrypt(String(value)));
      }
    }
    return { columns, params };
  }

  private toAuthenticator(r: Row): Authenticator {
    const open = (v: unknown) => (v == null ? null : this.box.decrypt(String(v)));
    return {
      id: Number(r.id),
      name: r.name as string,
      title: r.title as string,
      enabled: r.enabled as boolean,
      corpId: r.corp_id as string,
      agentId: r.agent_id as string,
      secret: open(r.secret_sealed)!,
      contactSecret: open(r.contact_secret_sealed),
      origin: r.origin as string,
      bridgeUrl: (r.bridge_url as string) ?? null,
      nocobaseAuthenticator: r.nocobase_authenticator as string,
      autoSignUp: r.auto_sign_up as boolean,
      autoLogin: r.auto_login as boolean,
      workbenchPath: r.workbench_path as string,
      callbackToken: open(r.callback_token_sealed),
      callbackAesKey: open(r.callback_aes_key_sealed),
      syncCron: (r.sync_cron as string) ?? null,
      provisionOnSync: r.provision_on_sync as boolean,
      offboarding: r.offboarding as Authenticator['offboarding'],
      offboardingThresholdPercent: Number(r.offboarding_threshold_percent),
      declaredByEnv: r.declared_by_env as boolean,
      createdAt: r.created_at as Date,
      updatedAt: r.updated_at as Date,
    };
  }
}

type Row = Record<string, unknown>;
