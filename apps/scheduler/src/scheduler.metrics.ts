import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { METRICS } from '@lib/observability';
import type { Metrics } from '@lib/observability';

/** The scheduler's own Prometheus metrics (besides the Kafka layer's). */
@Injectable()
export class SchedulerMetrics {
  readonly cartEvents: Counter<'result'>;
  readonly cartsWritten: Counter;
  readonly recovered: Counter;
  readonly replanned: Counter<'cause'>;
  readonly timersFired: Counter<'result'>;
  readonly claims: Counter<'found'>;
  readonly emissionLag: Histogram;
  readonly claimSeconds: Histogram;
  readonly purgedRows: Counter<'table'>;
  readonly purgeSeconds: Histogram;

  constructor(@Inject(METRICS) metrics: Metrics) {
    const registers = [metrics.registry];
    this.cartEvents = new Counter({
      name: 'scheduler_cart_events_total',
      help: 'Cart events merged into cart state',
      labelNames: ['result'],
      registers,
    });
    this.cartsWritten = new Counter({
      name: 'scheduler_carts_written_total',
      help: 'Cart rows written (state or timer changed)',
      registers,
    });
    this.recovered = new Counter({
      name: 'scheduler_carts_recovered_total',
      help: 'Carts converted after a message went out to their shopper, counted when the conversion is merged',
      registers,
    });
    this.replanned = new Counter({
      name: 'scheduler_carts_replanned_total',
      help: 'Carts re-planned by a settings change or an opt-out',
      labelNames: ['cause'],
      registers,
    });
    this.timersFired = new Counter({
      name: 'scheduler_timers_fired_total',
      help: 'Due timers handled, by result (emitted, expired, skipped-<reason>, held)',
      labelNames: ['result'],
      registers,
    });
    this.claims = new Counter({
      name: 'scheduler_timer_claims_total',
      help: 'Claim transactions run, by whether they found due carts (none: a wake-up with nothing due)',
      labelNames: ['found'],
      registers,
    });
    this.emissionLag = new Histogram({
      name: 'scheduler_send_due_lag_seconds',
      help: 'From dueAt to the send-due record acknowledged by Kafka',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 60],
      registers,
    });
    this.claimSeconds = new Histogram({
      name: 'scheduler_timer_transaction_seconds',
      help: 'One claim transaction: claim, decide, emit, acknowledge, mark',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.purgedRows = new Counter({
      name: 'scheduler_purged_rows_total',
      help: 'Rows the retention purge deleted (carts rolled up into stats_daily first), by table',
      labelNames: ['table'],
      registers,
    });
    this.purgeSeconds = new Histogram({
      name: 'scheduler_purge_transaction_seconds',
      help: 'One purge transaction: look at a batch of rows, roll up and delete those that may go',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }
}
