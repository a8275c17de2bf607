import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SchedulerConfig } from '../config';
import { SCHEDULER_CONFIG } from '../tokens';

/**
 * Tells the timer loops that something may be due sooner than they think. Local pipelines
 * call `scheduled(at)`; other instances hear it through PostgreSQL NOTIFY when it is due
 * before their next safety poll (later timers they find by themselves).
 */
@Injectable()
export class TimerWakeups {
  private readonly listeners = new Set<(at: number) => void>();
  readonly channel: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {
    this.channel = `timers_${config.DATABASE_SCHEMA}`.slice(0, 63);
  }

  onWake(listener: (at: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A wake-up heard from another instance (or this one) through LISTEN. */
  heard(at: number): void {
    for (const l of this.listeners) l(at);
  }

  /** This instance just wrote a timer firing at `at` (epoch ms). */
  async scheduled(at: number | null): Promise<void> {
    if (at === null) return;
    this.heard(at);
    if (at - Date.now() < this.config.SCHEDULER_TIMER_SAFETY_POLL_MS) {
      await this.dataSource.query('SELECT pg_notify($1, $2)', [this.channel, String(at)]);
    }
  }
}
