import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { Authenticator } from '../../auth/authenticators/authenticator';
import { AuthenticatorsService } from '../../auth/authenticators/authenticators.service';
import { cronProblem } from '../../common/cron';
import { ContactEventsRepository } from '../events/contact-events.repository';
import { ContactEventsService } from '../events/contact-events.service';
import { SyncService } from '../sync.service';

/** How often every replica re-reads the authenticators' schedules (so a changed cron applies without a restart) and sweeps dead runs. */
export const RECONCILE_INTERVAL_MS = 30_000;
const jobName = (authenticatorId: number) => `wecom-sync:${authenticatorId}`;

/**
 * Per-authenticator cron schedules. Every replica keeps its own timers and fires them all; each
 * tick carries its scheduled time, and the run queue admits one run per authenticator and per tick,
 * so a fleet makes exactly one run per tick. One authenticator's bad schedule is logged once and
 * never keeps the others from being scheduled.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncScheduler.name);
  private readonly crons = new Map<number, string>();
  /** Schedules that could not be set, by authenticator, so the refresh does not repeat the same error. */
  private readonly refused = new Map<number, string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly authenticators: AuthenticatorsService,
    private readonly sync: SyncService,
    private readonly events: ContactEventsService,
    private readonly pendingEvents: ContactEventsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), RECONCILE_INTERVAL_MS);
    this.timer.unref();
    // Events stored but not applied when a replica stopped are applied now.
    for (const id of await this.pendingEvents.authenticatorsWithPending()) void this.events.drain(id).catch(() => undefined);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    for (const id of this.crons.keys()) this.unschedule(id);
  }

  /** Schedules and the sweep of dead runs; a failure is logged and the next refresh tries again. */
  async refresh(): Promise<void> {
    await this.reconcile().catch((error) => this.logger.error(`schedule refresh failed: ${(error as Error).message}`));
    await this.sweep().catch((error) => this.logger.warn(`could not sweep dead sync runs: ${(error as Error).message}`));
  }

  /** Brings the timers in line with the authenticators' current cron settings. */
  async reconcile(): Promise<void> {
    const wanted = new Map((await this.authenticators.listEnabled()).filter((a) => a.syncCron).map((a) => [a.id, a]));
    for (const id of [...this.crons.keys()]) if (wanted.get(id)?.syncCron !== this.crons.get(id)) this.unschedule(id);
    for (const id of [...this.refused.keys()]) if (wanted.get(id)?.syncCron !== this.refused.get(id)) this.refused.delete(id);
    for (const [id, authenticator] of wanted) {
      if (this.crons.has(id) || this.refused.has(id)) continue;
      try {
        this.schedule(authenticator);
      } catch (error) {
        this.refused.set(id, authenticator.syncCron!);
        this.logger.error(
          `the directory sync of "${authenticator.name}" is not scheduled: "${authenticator.syncCron}" ${cronProblem(authenticator.syncCron!) ?? (error as Error).message}`,
        );
      }
    }
  }

  /** When each scheduled authenticator runs next (for the admin API and tests). */
  nextRuns(): Record<number, Date | null> {
    return Object.fromEntries([...this.crons.keys()].map((id) => [id, this.registry.getCronJob(jobName(id)).nextDate()?.toJSDate() ?? null]));
  }

  private schedule(authenticator: Authenticator): void {
    const cron = authenticator.syncCron!;
    // Built before anything is registered, so a schedule that cannot run leaves nothing behind.
    const job = CronJob.from({ cronTime: cron, onTick: () => undefined, start: false });
    let due = job.nextDate().toJSDate();
    job.addCallback(() => {
      const tick = due;
      due = job.nextDate().toJSDate();
      void this.fire(authenticator.name, tick);
    });
    this.registry.addCronJob(jobName(authenticator.id), job as never);
    job.start();
    this.crons.set(authenticator.id, cron);
    this.logger.log(`directory sync of "${authenticator.name}" scheduled at "${cron}"`);
  }

  private unschedule(id: number): void {
    if (this.registry.doesExist('cron', jobName(id))) this.registry.deleteCronJob(jobName(id));
    this.crons.delete(id);
  }

  /** Runs whose lease ended are marked failed here too, not only when someone triggers again. */
  private async sweep(): Promise<void> {
    for (const run of await this.sync.expireOverdue()) this.logger.warn(`sync run ${run.id} lost its replica: ${run.error}`);
  }

  private async fire(name: string, scheduledFor: Date): Promise<void> {
    try {
      const authenticator = await this.authenticators.getEnabled(name);
      const { run, alreadyRunning } = await this.sync.trigger(authenticator, 'schedule', { scheduledFor });
      if (alreadyRunning) this.logger.log(`scheduled sync of "${name}" skipped: run ${run.id} is already ${run.status}`);
    } catch (error) {
      this.logger.error(`scheduled sync of "${name}" could not start: ${(error as Error).message}`);
    }
  }
}
