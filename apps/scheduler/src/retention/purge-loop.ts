import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { SchedulerConfig } from '../config';
import { SchedulerMetrics } from '../scheduler.metrics';
import { SCHEDULER_CONFIG } from '../tokens';
import { PurgeRepository, type PurgeBatch, type SweepCursor } from './purge.repository';
import type { RetentionPolicy, StoreDeletionPolicy } from './retention-rule';

/** The first sweep of an instance waits this long after start (or the interval, if shorter). */
export const FIRST_SWEEP_AFTER_MS = 5 * 60_000;

type Sweep = (
  after: SweepCursor | null,
  limit: number,
  now: Date,
  policy: RetentionPolicy & StoreDeletionPolicy,
) => Promise<PurgeBatch>;

/**
 * The retention purge of this instance, off the hot path: it sweeps `carts`, `contacts`, then
 * `consent_records` by primary key, then the rows of stores deleted longer ago than
 * RETENTION_DELETED_STORE_DAYS, one small transaction per batch with a pause between, then
 * waits SCHEDULER_PURGE_INTERVAL_MS before the next sweep; the first sweep waits
 * FIRST_SWEEP_AFTER_MS. Instances take turns on an advisory lock; a failed batch is tried
 * again after a backoff, from where the sweep was.
 */
@Injectable()
export class PurgeLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private stopping = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly purge: PurgeRepository,
    private readonly metrics: SchedulerMetrics,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.SCHEDULER_PURGE_ENABLED) return;
    this.running = this.run();
  }

  /** Lets the batch in progress commit or roll back, then stops. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  get policy(): RetentionPolicy & StoreDeletionPolicy {
    return {
      closedCartDays: this.config.RETENTION_CLOSED_CART_DAYS,
      contactHoldDays: this.config.RETENTION_CONTACT_HOLD_DAYS,
      deletedStoreDays: this.config.RETENTION_DELETED_STORE_DAYS,
    };
  }

  /** One whole sweep of the tables (also what tests call); resolves with the rows deleted. */
  async sweepOnce(): Promise<Record<string, number>> {
    const total: Record<string, number> = {};
    const sweeps: Sweep[] = [
      this.purge.purgeCarts,
      this.purge.purgeContacts,
      this.purge.purgeConsents,
      this.purge.purgeDeletedStores,
    ];
    for (const sweep of sweeps.map((s) => s.bind(this.purge))) {
      await this.sweepTable(sweep, total);
      if (this.stopping) break;
    }
    return total;
  }

  private async run(): Promise<void> {
    // Not at start-up, when the pipelines catch up on what queued while the instance was away.
    await this.sleep(Math.min(this.config.SCHEDULER_PURGE_INTERVAL_MS, FIRST_SWEEP_AFTER_MS));
    while (!this.stopping) {
      try {
        const deleted = await this.sweepOnce();
        if (Object.values(deleted).some((n) => n > 0)) this.logger.info({ deleted }, 'retention purge swept');
        await this.sleep(this.config.SCHEDULER_PURGE_INTERVAL_MS);
      } catch (err) {
        this.logger.warn({ err }, 'retention purge failed; tried again later');
        await this.sleep(Math.min(this.config.SCHEDULER_PURGE_INTERVAL_MS, 60_000));
      }
    }
  }

  private async sweepTable(sweep: Sweep, total: Record<string, number>): Promise<void> {
    let cursor: SweepCursor | null = null;
    let failures = 0;
    while (!this.stopping) {
      const stop = this.metrics.purgeSeconds.startTimer();
      let batch: PurgeBatch;
      try {
        batch = await sweep(cursor, this.config.SCHEDULER_PURGE_BATCH_SIZE, new Date(), this.policy);
        failures = 0;
      } catch (err) {
        if (++failures >= 5) throw err;
        this.logger.warn({ err, retryInMs: 1000 * failures }, 'retention purge batch failed; nothing was deleted');
        await this.sleep(1000 * failures);
        continue; // the same batch again
      } finally {
        stop();
      }
      for (const [table, n] of Object.entries(batch.deleted)) {
        if (n === 0) continue; // a table the batch looked at and left alone
        total[table] = (total[table] ?? 0) + n;
        this.metrics.purgedRows.inc({ table }, n);
      }
      if (batch.busy || batch.next === null) return; // another instance is sweeping, or the end
      cursor = batch.next;
      await this.sleep(this.config.SCHEDULER_PURGE_PAUSE_MS);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
