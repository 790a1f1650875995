import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Metrics } from '../../metrics/metrics';
import { ContactEventsRepository } from './contact-events.repository';

/** The contact-change events waiting to be applied, read when Prometheus scrapes. */
@Injectable()
export class EventQueueMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly events: ContactEventsRepository,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge(
      'contact_events_pending',
      'Contact-change events received and not yet applied, by authenticator id',
      ['authenticator_id'],
      async (gauge) => {
        for (const row of await this.events.queueDepth()) gauge.set({ authenticator_id: String(row.authenticatorId) }, row.pending);
      },
    );
    this.metrics.gauge(
      'contact_events_oldest_pending_seconds',
      'Age of the oldest event not yet applied, by authenticator id',
      ['authenticator_id'],
      async (gauge) => {
        for (const row of await this.events.queueDepth()) gauge.set({ authenticator_id: String(row.authenticatorId) }, row.oldestSeconds);
      },
    );
  }
}
