import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AuthenticatorsService } from '../../auth/authenticators/authenticators.service';
import { ContactEventsRepository } from '../events/contact-events.repository';
import { ContactEventsService } from '../events/contact-events.service';
import { SyncService } from '../sync.service';

/** How often every replica re-reads the authenticators' schedules, so a changed cron applies without a restart. */
export const RECONCILE_INTERVAL_MS = 30_000;
const jobName = (authenticatorId: number) => `wecom-sync:${authenticatorId}`;

/**
 * Per-authenticator cron schedules. Each replica keeps its own timers and fires them all; the
 * run queue admits one run per authenticator, so the others just see it already running.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncScheduler.name);
  private readonly crons = new Map<number, string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly authenticators: AuthenticatorsService,
    private readonly sync: SyncService,
    private readonly events: ContactEventsService,
    private readonly pendingEvents: ContactEventsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reconcile();
    this.timer = setInterval(
      () => void this.reconcile().catch((e) => this.logger.error(`schedule refresh failed: ${(e as Error).message}`)),
      RECONCILE_INTERVAL_MS,
    );
    this.timer.unref();
    // Events stored but not applied when a replica stopped are applied now.
    for (const id of await this.pendingEvents.authenticatorsWithPending()) void this.events.drain(id).catch(() => undefined);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    for (const id of this.crons.keys()) this.unschedule(id);
  }

  /** Brings the timers in line with the authenticators' current cron settings. */
  async reconcile(): Promise<void> {
    const wanted = new Map(
      (await this.authenticators.listEnabled()).filter((authenticator) => authenticator.syncCron).map((authenticator) => [authenticator.id, authenticator]),
    );
    for (const id of [...this.crons.keys()]) if (wanted.get(id)?.syncCron !== this.crons.get(id)) this.unschedule(id);
    for (const [id, authenticator] of wanted) {
      if (this.crons.has(id)) continue;
      const job = CronJob.from({
        cronTime: authenticator.syncCron!,
        onTick: () => void this.fire(authenticator.name),
        start: true,
      });
      this.registry.addCronJob(jobName(id), job as never);
      this.crons.set(id, authenticator.syncCron!);
      this.logger.log(`directory sync of "${authenticator.name}" scheduled at "${authenticator.syncCron}"`);
    }
  }

  /** When each scheduled authenticator runs next (for the admin API and tests). */
  nextRuns(): Record<number, Date | null> {
    return Object.fromEntries([...this.crons.keys()].map((id) => [id, this.registry.getCronJob(jobName(id)).nextDate()?.toJSDate() ?? null]));
  }

  private unschedule(id: number): void {
    if (this.registry.doesExist('cron', jobName(id))) this.registry.deleteCronJob(jobName(id));
    this.crons.delete(id);
  }

  private async fire(name: string): Promise<void> {
    try {
      const authenticator = await this.authenticators.getEnabled(name);
      const { run, alreadyRunning } = await this.sync.trigger(authenticator, 'schedule');
      if (alreadyRunning) this.logger.log(`scheduled sync of "${name}" skipped: run ${run.id} is already ${run.status}`);
    } catch (error) {
      this.logger.error(`scheduled sync of "${name}" could not start: ${(error as Error).message}`);
    }
  }
}
