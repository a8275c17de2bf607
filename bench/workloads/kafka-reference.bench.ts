// The ceiling every pipeline figure is compared against: how fast plain kafkajs produces and
// consumes ~600-byte records on this broker, with the settings the services use (idempotent
// producer, acks=all, one consumer group reading batches).
import { randomUUID } from 'node:crypto';
import { waitForTopics } from '../../scripts/stack';
import { harnessKafka } from '../../test/support/kafka';
import type { BenchContext, BenchFigure, BenchWorkload } from '../workload';

export interface KafkaReference {
  records: number;
  recordBytes: number;
  producePerSecond: number;
  consumePerSecond: number;
}

/** The last measurement in this process, so later workloads of the same run can give ratios. */
let lastReference: KafkaReference | undefined;

export function kafkaReferenceOfThisRun(): KafkaReference | undefined {
  return lastReference;
}

const RECORD_BYTES = 600;
const BATCH = 1000;
const IN_FLIGHT = 4;

/** A cart-event-sized JSON value of exactly RECORD_BYTES bytes. */
function recordValue(i: number): string {
  const head = JSON.stringify({
    schemaVersion: 1,
    eventId: `evt-${i}`,
    type: 'cart.updated',
    occurredAt: new Date().toISOString(),
    storeId: 'lola-shoes',
    cartId: `c-${i}`,
    items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
    currency: 'EUR',
    total: '59.90',
    recoveryUrl: `https://lola.example/cart/recover/${i}`,
    pad: '',
  });
  return head.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, RECORD_BYTES - head.length))}"`);
}

export async function measureKafkaReference(
  brokers: string,
  records: number,
  log: (m: string) => void,
): Promise<KafkaReference> {
  const kafka = harnessKafka('bench-reference', brokers);
  const topic = `bench-reference-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] });
    await waitForTopics(brokers, [topic]);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const values = Array.from({ length: BATCH }, (_, i) => recordValue(i));
    let next = 0;
    const produceStart = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < records) {
          const from = next;
          next += BATCH;
          const n = Math.min(BATCH, records - from);
          await producer.send({
            topic,
            acks: -1,
            messages: Array.from({ length: n }, (_, j) => ({ key: `lola-shoes:c-${from + j}`, value: values[j] })),
          });
        }
      }),
    );
    const produceSeconds = (performance.now() - produceStart) / 1000;
    await producer.disconnect();
    log(`produced ${records} records in ${produceSeconds.toFixed(2)} s`);

    const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxBytes: 10 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    let consumeStart = 0;
    const consumed = new Promise<number>((resolve) => {
      void consumer.run({
        autoCommit: true,
        eachBatch: async ({ batch }) => {
          if (consumeStart === 0) consumeStart = performance.now();
          seen += batch.messages.length;
          if (seen >= records) resolve(performance.now());
        },
      });
    });
    const consumeEnd = await consumed;
    await consumer.disconnect();
    const consumeSeconds = (consumeEnd - consumeStart) / 1000;
    log(`consumed ${seen} records in ${consumeSeconds.toFixed(2)} s (from the first batch)`);

    lastReference = {
      records,
      recordBytes: RECORD_BYTES,
      producePerSecond: records / produceSeconds,
      consumePerSecond: records / consumeSeconds,
    };
    return lastReference;
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

export const workload: BenchWorkload = {
  name: 'kafka-reference',
  description: 'raw kafkajs produce and consume rates of 600-byte records on the same broker (the ceiling)',
  needsStack: true,
  async run(ctx: BenchContext): Promise<BenchFigure[]> {
    const records = ctx.quick ? 50_000 : 1_000_000;
    const ref = await measureKafkaReference(ctx.kafkaBrokers!, records, ctx.log);
    const note = `${records.toLocaleString('en-US')} records of ${RECORD_BYTES} B, 6 partitions, idempotent, acks=all`;
    return [
      { name: 'kafkajs produce rate', value: ref.producePerSecond, unit: 'records/s', note },
      {
        name: 'kafkajs produce throughput',
        value: (ref.producePerSecond * RECORD_BYTES) / 1e6,
        unit: 'MB/s',
      },
      { name: 'kafkajs consume rate', value: ref.consumePerSecond, unit: 'records/s', note: 'one consumer, eachBatch' },
    ];
  },
};
