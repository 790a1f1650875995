import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { qualified } from '../../database/sql';

export interface CallbackStatus {
  urlVerifiedAt: Date | null;
  lastEventAt: Date | null;
  lastRefusedAt: Date | null;
  lastRefusal: string | null;
}

/** Sole owner of callback_status: when WeCom last verified the callback URL, sent an event, or was refused. */
@Injectable()
export class CallbackStatusRepository {
  private readonly table: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.table = qualified(config.database.bridgeSchema, 'callback_status');
  }

  urlVerified(authenticatorId: number): Promise<void> {
    return this.touch(authenticatorId, { url_verified_at: 'now()' });
  }

  eventReceived(authenticatorId: number): Promise<void> {
    return this.touch(authenticatorId, { last_event_at: 'now()' });
  }

  /** A callback that named this authenticator but failed verification: usually a Token or EncodingAESKey that differs from WeCom's. */
  refused(authenticatorId: number, reason: string): Promise<void> {
    return this.touch(authenticatorId, { last_refused_at: 'now()', last_refusal: '$2' }, [reason.slice(0, 500)]);
  }

  async of(authenticatorId: number): Promise<CallbackStatus> {
    const [row] = await this.dataSource.query(`SELECT * FROM ${this.table} WHERE authenticator_id = $1`, [authenticatorId]);
    return {
      urlVerifiedAt: row?.url_verified_at ?? null,
      lastEventAt: row?.last_event_at ?? null,
      lastRefusedAt: row?.last_refused_at ?? null,
      lastRefusal: row?.last_refusal ?? null,
    };
  }

  /** `values` maps columns to SQL expressions (now() or a bind parameter after $1). */
  private async touch(authenticatorId: number, values: Record<string, string>, params: unknown[] = []): Promise<void> {
    const columns = Object.keys(values);
    await this.dataSource.query(
      `INSERT INTO ${this.table} (authenticator_id, ${columns.join(', ')}) VALUES ($1, ${columns.map((c) => values[c]).join(', ')})
       ON CONFLICT (authenticator_id) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
      [authenticatorId, ...params],
    );
  }
}
