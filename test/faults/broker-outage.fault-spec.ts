/**
 * A broker outage longer than a consumer's retries: the consumer crashes, and once the broker
 * is back it consumes again, what was published meanwhile included. kafkajs restarts a crashed
 * consumer only after errors it deems retriable; after others (no group coordinator found, as
 * when the broker comes back slowly) the BatchConsumer rejoins by itself, else the process
 * would live on, consuming nothing. Which of the two happens depends on timing; the rejoin
 * itself is pinned down in batch-consumer.spec.ts. Runs on a stack of its own.
 */
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { createLogger, createMetrics } from '@lib/observability';
import { BatchConsumer, createKafka, RecordProducer, type BatchHandler } from '@lib/kafka';
import { createTopics, eventually, readTopic } from '../support/kafka';
import { PrivateStack, startPrivateStack } from './private-stack';

let stack: PrivateStack;
let consumer: BatchConsumer | undefined;
let producer: RecordProducer | undefined;

afterAll(async () => {
  await consumer?.stop().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await stack?.down();
}, 120_000);

describe('a consumer through a broker outage longer than its retries', () => {
  it('joins its group again once the broker is back, and handles what was published meanwhile', async () => {
    stack = await startPrivateStack();
    const brokers = stack.kafkaBrokers.split(',');
    const kafka = new Kafka({ clientId: 'outage-test', brokers, logLevel: logLevel.NOTHING });
    await createTopics(kafka, ['outage.in', 'outage.out']);

    const logLines: Array<{ message: string; restart?: boolean }> = [];
    const logger = createLogger('outage-test', {
      level: 'info',
      destination: new Writable({
        write: (chunk: Buffer, _e, done) => {
          for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
          done();
        },
      }),
    });
    const lib = createKafka({ brokers, clientId: 'outage-test' }, logger);
    producer = new RecordProducer(lib);
    const handler: BatchHandler = async (records) => ({
      outputs: records.map((r) => ({ topic: 'outage.out', key: r.key!.toString(), value: r.value!.toString() })),
      deadLetters: [],
    });
    // Two tries: kafkajs gives up within seconds of the broker going away.
    consumer = new BatchConsumer(
      lib,
      producer,
      { groupId: 'outage-group', topics: ['outage.in'], handler, retries: 1 },
      logger,
      createMetrics('outage'),
    );
    await consumer.start();
    await producer.send([{ topic: 'outage.in', key: 'cart:before', value: 'before' }]);
    expect((await readTopic(kafka, 'outage.out', 1)).map((r) => r.value)).toEqual(['before']);

    await stack.stopKafka();
    // Longer than the consumer's retries: it crashes (kafkajs restarts it after some errors,
    // gives up after others, "no group coordinator" among them; the consumer then rejoins by
    // itself) and stays down while the broker is.
    const crashed = await eventually(
      async () => logLines.filter((l) => l.message === 'consumer crashed').length,
      (n) => n > 0,
      90_000,
    );
    expect(crashed).toBeGreaterThan(0);
    expect(consumer.failure).toBeDefined();
    await new Promise((r) => setTimeout(r, 5000));
    await stack.startKafka();

    await producer.send([{ topic: 'outage.in', key: 'cart:after', value: 'after' }]);
    const out = await readTopic(kafka, 'outage.out', 2, 120_000);
    expect(out.map((r) => r.value).sort()).toEqual(['after', 'before']);
    expect(consumer.failure).toBeUndefined();
  }, 600_000);
});
