import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaSecurityFromEnv } from '../../libs/config/src/common';
import { databaseTlsEnv, kafkaSecurityEnv, type KafkaSecurity } from '../../libs/config/src/connections';
import { kafkaJsSecurity } from '../../libs/kafka/src/security';

/** A topic prefix of its own per test file, so files run in parallel on one broker. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomUUID().slice(0, 8)}.`;
}

/**
 * A kafkajs client of the tests or benchmarks, connected as the services are: KAFKA_BROKERS and
 * the KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_* variables of the environment (a run
 * against a secured cluster sets them once), unless given.
 */
export function harnessKafka(
  clientId: string,
  brokers: string = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  security: KafkaSecurity = kafkaSecurityFromEnv(),
): Kafka {
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING, ...kafkaJsSecurity(security) });
}

/**
 * The connection variables of this environment (Kafka security, PostgreSQL TLS, each also as
 * `<NAME>_FILE`), handed on to the services a test or benchmark spawns.
 */
export function connectionEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const names = [...Object.keys(kafkaSecurityEnv), ...Object.keys(databaseTlsEnv)].flatMap((n) => [n, `${n}_FILE`]);
  return Object.fromEntries(names.filter((n) => source[n] !== undefined).map((n) => [n, source[n]!]));
}

export function testKafka(): Kafka {
  return harnessKafka('test');
}

export async function createTopics(kafka: Kafka, names: string[], partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

export interface ReadRecord {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/** Reads a topic from the beginning until `count` records arrived (or the timeout passed). */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 20_000): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const out: ReadRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers,
          partition,
          offset: message.offset,
        });
        if (out.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await done;
  await consumer.disconnect();
  return out;
}

/** Committed offsets of a group on a topic, summed with the partition ends to compare. */
export async function committedVsEnd(kafka: Kafka, groupId: string, topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const sum = (xs: string[]) => xs.reduce((a, b) => a + Math.max(0, Number(b)), 0);
    return {
      committed: sum(committed.partitions.map((p) => p.offset)),
      end: sum(ends.map((p) => p.high)),
    };
  } finally {
    await admin.disconnect();
  }
}

export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = await fn();
  while (!check(last) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    last = await fn();
  }
  return last;
}
