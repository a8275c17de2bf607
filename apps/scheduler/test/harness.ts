import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { allTopics, cartKey, CartEvent, TOPIC } from '@lib/contracts';
import { waitForTopics } from '../../../scripts/stack';
import { startInProcess } from '../../../test/support/in-process-app';
import {
  createTopics,
  readTopic,
  testKafka,
  uniquePrefix,
  ReadRecord,
  connectionEnv,
} from '../../../test/support/kafka';
import { planSend } from '../src/business-hours';
import { readSchedulerConfig } from '../src/config';
import { BusinessHours, SchedulerModule } from '../src/scheduler.module';
import { SchedulerMetrics } from '../src/scheduler.metrics';
import { API_KEY, groupOf } from './scheduler-process';

export { API_KEY, groupOf };

/** What main.ts gives the module: @lib/business-hours. */
export const businessHours: BusinessHours = { planSend };

/** A topic prefix and schema of its own, with the contract's topics created. */
export async function isolatedEnvironment(label: string) {
  const prefix = uniquePrefix(label);
  const names = allTopics(prefix).map((t) => t.name);
  await createTopics(testKafka(), names);
  // A KRaft broker lists new topics before it serves their partitions.
  await waitForTopics(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', names);
  const schema = `sched_${prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
  return { prefix, schema, topic: (name: string) => `${prefix}${name}` };
}

export interface RunningScheduler {
  app: NestFastifyApplication;
  url: string;
  metrics: SchedulerMetrics;
  logs: string[];
  close(): Promise<void>;
}

/** The scheduler's Nest application in this process, as main.ts builds it. */
export async function startScheduler(
  env: { prefix: string; schema: string },
  extraEnv: Record<string, string> = {},
  hours: BusinessHours = businessHours,
): Promise<RunningScheduler> {
  const { prefix, schema } = env;
  const config = readSchedulerConfig({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    ...connectionEnv(),
    DATABASE_URL: process.env.DATABASE_URL,
    TOPIC_PREFIX: prefix,
    DATABASE_SCHEMA: schema,
    API_KEYS: API_KEY,
    // A group of its own: one group id subscribed to different topics by different members
    // (other test files, other helpers) would hand partitions to members that never read them.
    SCHEDULER_GROUP_ID: groupOf(env),
    SCHEDULER_TIMER_SAFETY_POLL_MS: '2000',
    ...extraEnv,
  });
  const started = await startInProcess('scheduler', (parts) => SchedulerModule.forRoot(config, parts, hours));
  return { ...started, metrics: started.app.get(SchedulerMetrics) };
}

export const STORE = 'lola-shoes';

export function storeSettings(patch: Record<string, unknown> = {}) {
  const open = [['00:00', '24:00']];
  return {
    storeId: STORE,
    name: 'Zapatería Lola',
    enabled: true,
    timezone: 'Europe/Madrid',
    defaultCountry: 'ES',
    locale: 'es',
    openingHours: { mon: open, tue: open, wed: open, thu: open, fri: open, sat: open, sun: open },
    abandonAfterMinutes: 1,
    sendDelayMinutes: 0,
    maxDeferralHours: 72,
    minHoursBetweenMessages: 24,
    whatsapp: { phoneNumberId: '106540352242922', mode: 'text', accessToken: 'secret-token-123' },
    ...patch,
  };
}

let eventSeq = 0;

/**
 * A cart event whose abandonment is detected at `detectedAt` under the test settings
 * (abandonAfterMinutes 1): it happened one minute before.
 */
export function cartEvent(
  cartId: string,
  type: CartEvent['type'],
  occurredAt: number,
  patch: Partial<CartEvent> = {},
): CartEvent {
  const activity = type === 'cart.updated' || type === 'checkout.started';
  return {
    schemaVersion: 1,
    eventId: `ev-${cartId}-${++eventSeq}`,
    type,
    occurredAt: new Date(occurredAt).toISOString(),
    storeId: STORE,
    cartId,
    ...(activity
      ? {
          customer: { phone: phoneOf(cartId), firstName: 'Ana', locale: 'es-ES', whatsappOptIn: true },
          items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
          currency: 'EUR',
          total: '59.90',
          recoveryUrl: `https://lola.example/cart/recover/${cartId}`,
        }
      : {}),
    ...patch,
  } as CartEvent;
}

const phones = new Map<string, string>();

/** A phone of its own per cart (so the frequency rule does not join them). */
export function phoneOf(cartId: string): string {
  let phone = phones.get(cartId);
  if (!phone) phones.set(cartId, (phone = `+346${String(10_000_000 + phones.size).slice(-8)}`));
  return phone;
}

export const ABANDON_MS = 60_000;

export async function produce(topic: string, records: Array<{ key: string | null; value: unknown }>): Promise<void> {
  const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 1000) {
      await producer.send({
        topic,
        messages: records.slice(i, i + 1000).map((r) => ({
          key: r.key,
          value: r.value === null ? null : typeof r.value === 'string' ? r.value : JSON.stringify(r.value),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

export async function produceCartEvents(topic: string, events: CartEvent[]): Promise<void> {
  await produce(
    topic,
    events.map((e) => ({ key: cartKey(e.storeId, e.cartId), value: e })),
  );
}

export interface SendDueRecord extends ReadRecord {
  event: { sendId: string; cartId: string; dueAt: string; customer: { phone: string } } & Record<string, unknown>;
  /** When the broker got it (CreateTime set by the producer). */
  timestamp: number;
}

/** Every record of a topic until `count` arrived (or the timeout), with timestamps. */
export async function readSendDue(topic: string, count: number, timeoutMs = 30_000): Promise<SendDueRecord[]> {
  const kafka = testKafka();
  const consumer = kafka.consumer({ groupId: `reader-${Math.random()}`, maxWaitTimeInMs: 100 });
  const out: SendDueRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        const value = message.value?.toString() ?? null;
        out.push({
          key: message.key?.toString() ?? null,
          value,
          headers: {},
          partition,
          offset: message.offset,
          event: JSON.parse(value!),
          timestamp: Number(message.timestamp),
        });
        if (out.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

export { readTopic, testKafka, TOPIC };

const openClients = new Set<Client>();

/** A direct connection to look at the scheduler's tables (closed by `closeDatabases` too). */
export async function database(schema: string): Promise<Client & { close(): Promise<void> }> {
  const client = new Client({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  openClients.add(client);
  return Object.assign(client, {
    close: async () => {
      openClients.delete(client);
      await client.end();
    },
  });
}

/** For afterAll: a test that failed half-way left its connections open, which keeps jest alive. */
export async function closeDatabases(): Promise<void> {
  await Promise.all([...openClients].map((c) => c.end().catch(() => undefined)));
  openClients.clear();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { metricValue, spawnScheduler } from './scheduler-process';
export type { SchedulerProcess } from './scheduler-process';
