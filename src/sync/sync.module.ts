import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { AdminSyncRunsController } from './admin-sync-runs.controller';
import { ContactEventsRepository } from './contact-events.repository';
import { ContactEventsService } from './contact-events.service';
import { DirectoryFetcher } from './directory-fetcher.service';
import { NocobaseDirectoryRepository } from './nocobase-directory.repository';
import { SyncApplierService } from './sync-applier.service';
import { SyncRunsRepository } from './sync-runs.repository';
import { SyncScheduler } from './sync-scheduler.service';
import { SyncStateRepository } from './sync-state.repository';
import { SyncService } from './sync.service';
import { WecomEventsController } from './wecom-events.controller';

@Module({})
export class SyncModule {
  /** `schedule: false` for one-shot processes such as the CLI, which must not start cron timers. */
  static forRoot(options: { schedule: boolean }): DynamicModule {
    const providers: Provider[] = [
      DirectoryFetcher,
      NocobaseDirectoryRepository,
      SyncStateRepository,
      SyncRunsRepository,
      SyncApplierService,
      SyncService,
      ContactEventsRepository,
      ContactEventsService,
    ];
    return {
      module: SyncModule,
      imports: [AuthModule, UsersModule, ...(options.schedule ? [ScheduleModule.forRoot()] : [])],
      controllers: [AdminSyncRunsController, WecomEventsController],
      providers: options.schedule ? [...providers, SyncScheduler] : providers,
      exports: [SyncService, SyncRunsRepository, ContactEventsService],
    };
  }
}
