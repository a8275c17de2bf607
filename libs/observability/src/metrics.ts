import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
      help: 'Records between the last processed offset and the partition end',
      labelNames: ['topic', 'partition'],
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
      help: 'Records consumed and committed',
      labelNames: ['topic'],
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
