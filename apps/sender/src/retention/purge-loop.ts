import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { SenderConfig } from '../config';
import { SenderMetrics } from '../sender.metrics';
import { SENDER_CONFIG } from '../tokens';
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

/** What one whole sweep did: rows deleted by table, and message bodies blanked. */
export interface SweepResult {
  deleted: Record<string, number>;
  blanked: number;
}

/**
 * The retention purge of this sender instance, off the hot path: it sweeps `messages`, then
 * `cart_closures`, then `contacts` by primary key, then the rows of stores deleted longer ago
 * than RETENTION_DELETED_STORE_DAYS, one small transaction per batch with a
 * pause between, then waits SENDER_PURGE_INTERVAL_MS before the next sweep; the first sweep
 * waits FIRST_SWEEP_AFTER_MS, not while send-due and the facts catch up. Instances take
 * turns on an advisory lock; a failed batch is tried again after a backoff, from where the
 * sweep was. On shutdown it lets the batch in progress end, before the database closes.
 */
@Injectable()
export class PurgeLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private stopping = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly purge: PurgeRepository,
    private readonly metrics: SenderMetrics,
    @Inject(SENDER_CONFIG) private readonly config: SenderConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.SENDER_PURGE_ENABLED) return;
    // A database still not up by the first sweep fails its batches: tried again later, like any failure.
    this.running = this.run();
  }

  /** Lets the batch in progress commit or roll back, then stops (before the database closes). */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  get policy(): RetentionPolicy & StoreDeletionPolicy {
    return {
      messageDays: this.config.RETENTION_MESSAGE_DAYS,
      messageBodyDays: this.config.RETENTION_MESSAGE_BODY_DAYS,
      cartClosureDays: this.config.RETENTION_CART_CLOSURE_DAYS,
      contactHoldDays: this.config.RETENTION_CONTACT_HOLD_DAYS,
      deletedStoreDays: this.config.RETENTION_DELETED_STORE_DAYS,
    };
  }

  /** One whole sweep of the tables (also what tests call). */
  async sweepOnce(): Promise<SweepResult> {
    const result: SweepResult = { deleted: {}, blanked: 0 };
    const sweeps: Sweep[] = [
      (...a) => this.purge.purgeMessages(...a),
      (...a) => this.purge.purgeCartClosures(...a),
      (...a) => this.purge.purgeContacts(...a),
      (...a) => this.purge.purgeDeletedStores(...a),
    ];
    for (const sweep of sweeps) {
      if (this.stopping) break;
      await this.sweepTable(sweep, result);
    }
    return result;
  }

  private async run(): Promise<void> {
    await this.sleep(Math.min(this.config.SENDER_PURGE_INTERVAL_MS, FIRST_SWEEP_AFTER_MS));
    while (!this.stopping) {
      try {
        const swept = await this.sweepOnce();
        if (swept.blanked > 0 || Object.values(swept.deleted).some((n) => n > 0))
          this.logger.info(swept, 'retention purge swept');
        await this.sleep(this.config.SENDER_PURGE_INTERVAL_MS);
      } catch (err) {
        this.logger.warn({ err }, 'retention purge failed; tried again later');
        await this.sleep(Math.min(this.config.SENDER_PURGE_INTERVAL_MS, 60_000));
      }
    }
  }

  private async sweepTable(sweep: Sweep, result: SweepResult): Promise<void> {
    let cursor: SweepCursor | null = null;
    let failures = 0;
    while (!this.stopping) {
      const stop = this.metrics.purgeSeconds.startTimer();
      let batch: PurgeBatch;
      try {
        batch = await sweep(cursor, this.config.SENDER_PURGE_BATCH_SIZE, new Date(), this.policy);
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
        result.deleted[table] = (result.deleted[table] ?? 0) + n;
        if (n > 0) this.metrics.purgedRows.inc({ table }, n);
      }
      result.blanked += batch.blanked;
      if (batch.blanked > 0) this.metrics.blankedBodies.inc(batch.blanked);
      if (batch.busy || batch.next === null) return; // another instance is sweeping, or the end
      cursor = batch.next;
      await this.sleep(this.config.SENDER_PURGE_PAUSE_MS);
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
