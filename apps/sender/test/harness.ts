import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from 'pg';
import { allTopics, cartKey, SendDue, TOPIC } from '@lib/contracts';
import { waitForTopics } from '../../../scripts/stack';
import { startInProcess } from '../../../test/support/in-process-app';
import { freePort } from '../../../test/support/services';
import { createTopics, readTopic, testKafka, uniquePrefix, connectionEnv } from '../../../test/support/kafka';
import { startWhatsAppSimulator, SimulatorOptions, WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import { readSenderConfig } from '../src/config';
import { sealedSettings, secretsEnv } from '../../../test/support/secrets';
import { storeReminderRenderer, storeOpenings } from '../src/plan/library-adapters';
import { SenderLibraries, SenderModule } from '../src/sender.module';

export const PHONE_NUMBER_ID = '106540352242922';
export const TOKEN = 'store-token-0123456789';
export const APP_SECRET = 'app-secret-for-tests';
export const VERIFY_TOKEN = 'verify-token-for-tests';
export const STORE = 'lola-shoes';

export const realLibraries: SenderLibraries = { openings: storeOpenings, renderer: storeReminderRenderer };

/** A topic prefix and a schema of its own, with the contract's topics created. */
export async function isolatedEnvironment(label: string) {
  const prefix = uniquePrefix(label);
  const names = allTopics(prefix).map((t) => t.name);
  await createTopics(testKafka(), names);
  // A KRaft broker serves new partitions a moment after CreateTopics answers.
  await waitForTopics(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', names);
  const schema = `sender_${prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
  return { prefix, schema, topic: (name: string) => `${prefix}${name}` };
}

export type Environment = Awaited<ReturnType<typeof isolatedEnvironment>>;

export async function startSimulator(patch: Partial<SimulatorOptions> = {}): Promise<WhatsAppSimulator> {
  return startWhatsAppSimulator({
    tokens: { [PHONE_NUMBER_ID]: TOKEN, '106540352249999': 'other-token-0123456789' },
    webhooks: { delaysMs: { sent: 50, delivered: 150, read: 300 } },
    ...patch,
  });
}

/** A simulator in this process, or one of its own reached through its control API. */
export interface SimulatorEndpoint {
  url: string;
  updateSettings(patch: { webhooks: { url: string; appSecret: string } }): unknown;
}

/** The sender's environment variables for one test environment and simulator. */
export function senderEnv(env: Environment, sim: SimulatorEndpoint, extra: Record<string, string> = {}) {
  return {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    DATABASE_URL: process.env.DATABASE_URL!,
    ...connectionEnv(),
    ...secretsEnv(),
    TOPIC_PREFIX: env.prefix,
    DATABASE_SCHEMA: env.schema,
    WHATSAPP_GRAPH_BASE_URL: sim.url,
    WHATSAPP_GRAPH_VERSION: 'v26.0',
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
    WHATSAPP_TIMEOUT_MS: '1500',
    SENDER_AMBIGUOUS_SETTLE_MS: '1000',
    SENDER_DEFERRAL_POLL_MS: '300',
    // Groups of their own: two senders of two tests must not share partitions of different topics.
    SENDER_GROUP_ID: `${env.prefix}sender`,
    SENDER_FACTS_GROUP_ID: `${env.prefix}sender-facts`,
    ...extra,
  };
}

export interface RunningSender {
  app: NestFastifyApplication;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

/** The sender's Nest application in this process, as main.ts builds it; the simulator's webhooks point at it. */
export async function startSender(
  env: Environment,
  sim: WhatsAppSimulator,
  extra: Record<string, string> = {},
  libraries: SenderLibraries = realLibraries,
): Promise<RunningSender> {
  const config = readSenderConfig(senderEnv(env, sim, extra));
  const started = await startInProcess('sender', (parts) => SenderModule.forRoot(config, parts, libraries));
  sim.updateSettings({ webhooks: { url: `${started.url}/v1/webhooks/whatsapp`, appSecret: APP_SECRET } });
  return started;
}

/**
 * The sender as its own process (for kill -9), run from the TypeScript sources through
 * @swc/core (decorator metadata included, which Nest's injection needs).
 */
export async function spawnSender(
  env: Environment,
  sim: SimulatorEndpoint,
  extra: Record<string, string> = {},
): Promise<{ process: ChildProcess; url: string; logs: string[]; exited: Promise<unknown> }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['-r', join(__dirname, '../../../test/support/from-source.js'), join(__dirname, '../src/main.ts')],
    {
      env: { PATH: process.env.PATH, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port), ...senderEnv(env, sim, extra) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  const keep = (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  await sim.updateSettings({ webhooks: { url: `${url}/v1/webhooks/whatsapp`, appSecret: APP_SECRET } });
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sender exited ${child.exitCode}:\n${logs.slice(-20).join('\n')}`);
    const ok = await fetch(`${url}/health`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > until) throw new Error(`sender not ready:\n${logs.slice(-20).join('\n')}`);
    await sleep(250);
  }
  return { process: child, url, logs, exited };
}

/** A store's settings as ingest publishes them: the token sealed (plaintext in `patch` too). */
export function storeSettings(patch: Record<string, unknown> = {}) {
  const open = [['00:00', '24:00']];
  return sealedSettings({
    storeId: STORE,
    name: 'Zapatería Lola',
    enabled: true,
    timezone: 'Europe/Madrid',
    defaultCountry: 'ES',
    locale: 'es',
    openingHours: { mon: open, tue: open, wed: open, thu: open, fri: open, sat: open, sun: open },
    abandonAfterMinutes: 30,
    sendDelayMinutes: 0,
    maxDeferralHours: 72,
    minHoursBetweenMessages: 24,
    whatsapp: { phoneNumberId: PHONE_NUMBER_ID, mode: 'text', accessToken: TOKEN } as Record<string, unknown>,
    ...patch,
  });
}

let phoneSeq = 0;
/** A phone of its own per send-due (the frequency rule does not join them). */
export function freshPhone(): string {
  phoneSeq++;
  return `+3461${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}${String(phoneSeq).padStart(4, '0')}`;
}

export function sendDue(cartId: string, patch: Partial<SendDue> = {}): SendDue {
  const now = Date.now();
  return {
    schemaVersion: 1,
    sendId: `${STORE}:${cartId}:1`,
    storeId: STORE,
    cartId,
    customer: { phone: freshPhone(), firstName: 'Ana', locale: 'es-ES' },
    items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
    currency: 'EUR',
    total: '59.90',
    recoveryUrl: `https://lola.example/cart/recover/${cartId}`,
    detectedAt: new Date(now - 60_000).toISOString(),
    dueAt: new Date(now - 1000).toISOString(),
    notAfter: new Date(now + 72 * 3_600_000).toISOString(),
    ...patch,
  };
}

export async function produce(topic: string, records: Array<{ key: string | null; value: unknown }>): Promise<void> {
  const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 1000) {
      const messages = records.slice(i, i + 1000).map((r) => ({
        key: r.key,
        value: r.value === null ? null : typeof r.value === 'string' ? r.value : JSON.stringify(r.value),
      }));
      // A loaded KRaft broker may still refuse a just-created partition for a while.
      for (let attempt = 1; ; attempt++) {
        try {
          await producer.send({ topic, messages });
          break;
        } catch (error) {
          if (attempt >= 5 || !/does not host this topic-partition/.test(String(error))) throw error;
          await sleep(1000 * attempt);
        }
      }
    }
  } finally {
    await producer.disconnect();
  }
}

export async function produceSendDue(env: Environment, events: SendDue[]): Promise<void> {
  await produce(
    env.topic(TOPIC.sendDue),
    events.map((e) => ({ key: cartKey(e.storeId, e.cartId), value: e })),
  );
}

export async function produceSettings(env: Environment, settings: ReturnType<typeof storeSettings>) {
  await produce(env.topic(TOPIC.storeSettings), [{ key: settings.storeId, value: settings }]);
}

export interface OutcomeRecordRead {
  sendId?: string;
  type?: string;
  status?: string;
  reason?: string | null;
  whatsappMessageId?: string | null;
  storeId: string;
  phone?: string;
}

/** Every record of message-outcomes, read until `count` came (or the timeout). */
export async function readOutcomes(env: Environment, count: number, timeoutMs = 20_000): Promise<OutcomeRecordRead[]> {
  const records = await readTopic(testKafka(), env.topic(TOPIC.messageOutcomes), count, timeoutMs);
  return records.map((r) => JSON.parse(r.value!) as OutcomeRecordRead);
}

/** Waits until `check` holds for the outcomes read so far. */
export async function outcomesUntil(
  env: Environment,
  check: (o: OutcomeRecordRead[]) => boolean,
  timeoutMs = 30_000,
): Promise<OutcomeRecordRead[]> {
  const until = Date.now() + timeoutMs;
  let last: OutcomeRecordRead[] = [];
  while (Date.now() < until) {
    last = await readOutcomes(env, 1_000_000, 1500);
    if (check(last)) return last;
  }
  return last;
}

/** A direct connection to look at the sender's tables. */
export async function database(schema: string): Promise<Client & { close(): Promise<void> }> {
  const client = new Client({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return Object.assign(client, { close: () => client.end() });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export { TOPIC };
