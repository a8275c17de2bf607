import { Inject, Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { METRICS } from '@lib/observability';
import type { Metrics } from '@lib/observability';

/** Longest a scrape waits for the timer queue's figures; the last ones are kept otherwise. */
const QUERY_TIMEOUT_MS = 2000;

/**
 * The timer queue as every instance sees it (the same figures from each: take the max, not
 * the sum), read at each scrape: carts waiting for their timer, those already due and not yet
 * emitted, and how late the oldest of those is.
 */
@Injectable()
export class TimerGauges {
  private last = { pending: 0, due: 0, overdueSeconds: 0 };
  private reading: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(METRICS) metrics: Metrics,
  ) {
    const registers = [metrics.registry];
    const read = () => this.read();
    const last = () => this.last;
    new Gauge({
      name: 'scheduler_timers_pending',
      help: 'Carts with a timer set (a send-due or an expiry to come), all instances together',
      registers,
      async collect() {
        await read();
        this.set(last().pending);
      },
    });
    new Gauge({
      name: 'scheduler_timers_due',
      help: 'Timers due now and not yet emitted, all instances together',
      registers,
      async collect() {
        await read();
        this.set(last().due);
      },
    });
    new Gauge({
      name: 'scheduler_timers_overdue_seconds',
      help: 'How long the oldest due timer has waited past its time (0: none waiting)',
      registers,
      async collect() {
        await read();
        this.set(last().overdueSeconds);
      },
    });
  }

  /** One query per scrape for the three gauges. */
  private read(): Promise<void> {
    if (!this.reading) {
      this.reading = this.query().finally(() => setTimeout(() => (this.reading = undefined), 100).unref());
    }
    return this.reading;
  }

  private async query(): Promise<void> {
    if (!this.dataSource.isInitialized) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), QUERY_TIMEOUT_MS);
    });
    const rows = this.dataSource
      .query(
        `SELECT count(*)::float8 AS pending,
                count(*) FILTER (WHERE timer_at <= now())::float8 AS due,
                COALESCE(EXTRACT(EPOCH FROM (now() - min(timer_at) FILTER (WHERE timer_at <= now()))), 0)::float8 AS overdue
         FROM carts WHERE timer_at IS NOT NULL`,
      )
      .catch(() => undefined) as Promise<Array<{ pending: number; due: number; overdue: number }> | undefined>;
    const [row] = (await Promise.race([rows, timeout]).finally(() => clearTimeout(timer))) ?? [];
    if (row) this.last = { pending: Number(row.pending), due: Number(row.due), overdueSeconds: Number(row.overdue) };
  }
}
