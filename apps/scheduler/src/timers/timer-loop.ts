import { databaseTlsOf } from '@lib/config';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { SchedulerConfig } from '../config';
import { SCHEDULER_CONFIG } from '../tokens';
import { SendDueEmitter } from './send-due.emitter';
import { TimerListener } from './timer-listener';
import { TimerRepository } from './timer.repository';
import { TimerWakeups } from './timer-wakeups';

/** A sleeping worker: when it wakes, and how to wake it sooner. */
interface Sleeper {
  until: number;
  timer: NodeJS.Timeout;
  resolve: () => void;
}

/**
 * The timer workers of this instance. Each one claims and emits what is due, then sleeps until
 * the next timer in the database (the hint), at most a safety poll, at least a short gap. It
 * wakes early when this instance schedules something sooner or another instance NOTIFYs. The
 * database holds every timer: nothing is lost on a crash, and the hint is only a wake-up time.
 */
@Injectable()
export class TimerLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private stopping = false;
  private readonly workers: Array<Promise<void>> = [];
  private readonly sleepers = new Set<Sleeper>();
  private readonly listener: TimerListener;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly emitter: SendDueEmitter,
    private readonly timers: TimerRepository,
    private readonly wakeups: TimerWakeups,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.listener = new TimerListener(
      config.DATABASE_URL,
      databaseTlsOf(config),
      wakeups.channel,
      (at) => wakeups.heard(at),
      logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = this.wakeups.onWake((at) => this.wakeBy(at));
    await this.listener.start();
    for (let i = 0; i < this.config.SCHEDULER_TIMER_WORKERS; i++) this.workers.push(this.work(i));
    this.logger.info({ workers: this.config.SCHEDULER_TIMER_WORKERS }, 'timer loop started');
  }

  /** Lets each worker finish its transaction (emitted and marked, or rolled back), then stops. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    for (const s of this.sleepers) this.reschedule(s, Date.now());
    await Promise.all(this.workers);
    this.unsubscribe?.();
    await this.listener.stop();
    this.logger.info('timer loop stopped');
  }

  private async work(worker: number): Promise<void> {
    const { SCHEDULER_TIMER_BATCH_SIZE: batch, SCHEDULER_TIMER_SAFETY_POLL_MS: safety } = this.config;
    let failures = 0;
    while (!this.stopping) {
      try {
        const claimed = await this.emitter.emitDue(batch);
        failures = 0;
        if (claimed >= batch) continue; // more is due right now
        const wait = await this.timers.msUntilNext();
        const ms = wait === null ? safety : Math.min(safety, Math.max(this.config.SCHEDULER_TIMER_MIN_GAP_MS, wait));
        await this.sleep(ms);
      } catch (err) {
        failures++;
        const ms = Math.min(15_000, 200 * 2 ** Math.min(failures, 7));
        this.logger.warn({ err, worker, retryInMs: ms }, 'timer transaction failed; due carts stay due');
        await this.sleep(ms);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        until: Date.now() + ms,
        timer: setTimeout(() => done(), ms),
        resolve: () => done(),
      };
      const done = () => {
        clearTimeout(sleeper.timer);
        this.sleepers.delete(sleeper);
        resolve();
      };
      this.sleepers.add(sleeper);
    });
  }

  /** Something fires at `at`: workers sleeping past it wake then (not before). */
  private wakeBy(at: number): void {
    for (const s of this.sleepers) if (at < s.until) this.reschedule(s, at);
  }

  private reschedule(sleeper: Sleeper, at: number): void {
    clearTimeout(sleeper.timer);
    sleeper.until = at;
    sleeper.timer = setTimeout(sleeper.resolve, Math.max(0, at - Date.now()));
  }
}
