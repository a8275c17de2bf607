import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HealthReport } from './health';
import type { Readiness } from './readiness';

/**
 * One registry per process. Metrics every service shares are created here; a service adds
 * its own with `metrics.registry`.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    consumerLag: new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Records between the last processed offset and the partition end, per consumer group and partition this instance owns',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'kafka_batch_size',
      help: 'Records per consumed batch',
      labelNames: ['topic'],
      buckets: [1, 10, 50, 100, 500, 1000, 5000],
      registers: [registry],
    }),
    handlerSeconds: new Histogram({
      name: 'kafka_batch_handler_seconds',
      help: 'Time to handle one batch, outputs acknowledged and offsets committed',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    consumedRecords: new Counter({
      name: 'kafka_consumed_records_total',
      help: 'Records consumed and committed, per consumer group and topic',
      labelNames: ['group', 'topic'],
      registers: [registry],
    }),
    producedRecords: new Counter({
      name: 'kafka_produced_records_total',
      help: 'Records produced and acknowledged',
      labelNames: ['topic'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'kafka_dead_letter_records_total',
      help: 'Records sent to a dead-letter topic, by reason',
      labelNames: ['topic', 'reason'],
      registers: [registry],
    }),
    batchRetries: new Counter({
      name: 'kafka_batch_retries_total',
      help: 'Batches retried after a handler or produce error',
      labelNames: ['topic'],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Readiness as metrics, asked at each scrape: `service_ready` (1 when /health would answer
 * 200) and `service_readiness_check_up{check}` per dependency, so an alert sees what the
 * probes see.
 */
export function registerReadinessMetrics(metrics: Metrics, readiness: Readiness): void {
  let last: Promise<HealthReport> | undefined;
  // One report per scrape for both gauges (a scrape collects them one after the other).
  const report = () => {
    if (!last) {
      last = readiness.report();
      void last.finally(() => setTimeout(() => (last = undefined), 100).unref());
    }
    return last;
  };
  new Gauge({
    name: 'service_ready',
    help: 'Readiness (GET /health): 1 ready, 0 not ready or stopping',
    registers: [metrics.registry],
    async collect() {
      this.set((await report()).status === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'service_readiness_check_up',
    help: 'Each readiness check: 1 up, 0 down',
    labelNames: ['check'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const [check, result] of Object.entries((await report()).checks))
        this.set({ check }, result.status === 'up' ? 1 : 0);
    },
  });
}
