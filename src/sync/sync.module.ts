import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { SyncApplierService } from './apply/sync-applier.service';
import { DirectoryMirrorRepository } from './directory-mirror.repository';
import { CallbackStatusRepository } from './events/callback-status.repository';
import { ContactEventsRepository } from './events/contact-events.repository';
import { ContactEventsService } from './events/contact-events.service';
import { EventQueueMetrics } from './events/event-queue.metrics';
import { WecomEventsController } from './events/wecom-events.controller';
import { DirectoryFetcher } from './fetch/directory-fetcher.service';
import { SyncPlanningService } from './plan/sync-planning.service';
import { AdminSyncRunsController } from './runs/admin-sync-runs.controller';
import { SyncRunsRepository } from './runs/sync-runs.repository';
import { SyncScheduler } from './runs/sync-scheduler.service';
import { AdminAuthenticatorCheckController } from './setup/admin-authenticator-check.controller';
import { AuthenticatorCheckService } from './setup/authenticator-check.service';
import { SyncService } from './sync.service';

/**
 * The directory sync: fetch (WeCom reads), plan (pure), apply (NocoBase writes), runs (queue,
 * schedule, admin API) and events (WeCom's contact-change callbacks).
 */
@Module({})
export class SyncModule {
  /** `schedule: false` for one-shot processes such as the CLI, which must not start cron timers. */
  static forRoot(options: { schedule: boolean }): DynamicModule {
    const providers: Provider[] = [
      DirectoryFetcher,
      DirectoryMirrorRepository,
      SyncRunsRepository,
      SyncPlanningService,
      SyncApplierService,
      SyncService,
      ContactEventsRepository,
      CallbackStatusRepository,
      ContactEventsService,
      EventQueueMetrics,
      AuthenticatorCheckService,
    ];
    return {
      module: SyncModule,
      imports: [AuthModule, UsersModule, ...(options.schedule ? [ScheduleModule.forRoot()] : [])],
      controllers: [AdminSyncRunsController, WecomEventsController, AdminAuthenticatorCheckController],
      providers: options.schedule ? [...providers, SyncScheduler] : providers,
      exports: [SyncService, SyncRunsRepository, ContactEventsService],
    };
  }
}
