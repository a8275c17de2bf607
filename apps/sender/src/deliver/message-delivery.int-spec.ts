// MessageDelivery on its own (the "medium" tier): the real PostgreSQL (the sender's migrations
// on a schema of its own) and only the WhatsApp Cloud API replaced, by the simulator in this
// process. No consumer, no pipeline: intents are written as the pipeline writes them, then
// delivered, and the rows, the returned outcomes and the simulator's record are checked.
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { kafkaSecurityOf } from '@lib/config';
import type { StoreSettings } from '@lib/contracts';
import { createDataSource, runMigrations } from '@lib/database';
import { KafkaModule } from '@lib/kafka';
import { createLogger, createMetrics, ObservabilityModule, Readiness } from '@lib/observability';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../../../../test/whatsapp-simulator';
import { database, PHONE_NUMBER_ID, sendDue, senderEnv, STORE, storeSettings, TOKEN } from '../../test/harness';
import { readSenderConfig, type SenderConfig } from '../config';
import { senderMigrations } from '../migrations';
import { OptOutRepository } from '../opt-outs/opt-out.repository';
import { SenderMetrics } from '../sender.metrics';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import { SENDER_CONFIG } from '../tokens';
import { FrequencySlotRepository } from '../contacts/frequency-slot.repository';
import { TemplateStateRepository } from '../templates/template-state.repository';
import { GraphApi } from './graph-api';
import { MessageDelivery } from './message-delivery';
import { MessageRepository, NewMessage } from '../messages/message.repository';

const schema = `sender_delivery_${randomUUID().slice(0, 8)}`;
let sim: WhatsAppSimulator;
let dataSource: DataSource;
let config: SenderConfig;
const closers: Array<() => Promise<void>> = [];

/** One sender process's delivery parts (its own owner id, limiter and client), built by Nest's injection. */
async function senderProcess() {
  const parts = {
    logger: createLogger('sender', { level: 'silent' }),
    metrics: createMetrics('sender'),
    readiness: new Readiness(),
  };
  const ref = await Test.createTestingModule({
    imports: [
      ObservabilityModule.forRoot(parts),
      KafkaModule.forRoot({
        brokers: config.KAFKA_BROKERS,
        clientId: config.KAFKA_CLIENT_ID,
        security: kafkaSecurityOf(config),
        topicPrefix: config.TOPIC_PREFIX,
      }),
    ],
    providers: [
      { provide: SENDER_CONFIG, useValue: config },
      { provide: DataSource, useValue: dataSource },
      SenderMetrics,
      StoreSettingsRepository,
      OptOutRepository,
      FrequencySlotRepository,
      TemplateStateRepository,
      MessageRepository,
      GraphApi,
      MessageDelivery,
    ],
  }).compile();
  closers.push(() => ref.get(GraphApi).onApplicationShutdown());
  return {
    delivery: ref.get(MessageDelivery),
    messages: ref.get(MessageRepository),
    settings: ref.get(StoreSettingsRepository),
  };
}

type SenderProcess = Awaited<ReturnType<typeof senderProcess>>;
let sender: SenderProcess;

let carts = 0;
/** An intent as the send-due pipeline writes it (state `sending`, owned by `by`), `ageMs` old. */
async function intent(by: SenderProcess, ageMs = 0): Promise<NewMessage> {
  const due = sendDue(`medium-${++carts}`);
  const m: NewMessage = {
    sendId: due.sendId,
    storeId: due.storeId,
    cartId: due.cartId,
    phone: due.customer.phone,
    phoneNumberId: PHONE_NUMBER_ID,
    state: 'sending',
    reason: null,
    locale: 'es',
    renderedText: 'Hola Ana, tu carrito te espera',
    template: null,
    sendDue: due,
    deferredUntil: null,
    at: new Date(Date.now() - ageMs),
  };
  const written = await dataSource.transaction((manager) => by.messages.insert([m], manager));
  expect(written.has(m.sendId)).toBe(true);
  return m;
}

const MARKETING_STORE = 'lola-marketing';

/** An intent of a store sending its MARKETING template: delivered on /marketing_messages. */
async function marketingIntent(by: SenderProcess): Promise<NewMessage> {
  const due = sendDue(`medium-mm-${++carts}`, { storeId: MARKETING_STORE });
  const m: NewMessage = {
    sendId: `${MARKETING_STORE}:${due.cartId}:1`,
    storeId: MARKETING_STORE,
    cartId: due.cartId,
    phone: due.customer.phone,
    phoneNumberId: PHONE_NUMBER_ID,
    state: 'sending',
    reason: null,
    locale: 'es',
    renderedText: 'Hola Ana',
    template: { templateName: 'cart_reminder', languageCode: 'es', bodyParameters: ['Ana'] },
    sendDue: { ...due, sendId: `${MARKETING_STORE}:${due.cartId}:1` },
    deferredUntil: null,
    at: new Date(),
  };
  const written = await dataSource.transaction((manager) => by.messages.insert([m], manager));
  expect(written.has(m.sendId)).toBe(true);
  return m;
}

async function row(sendId: string) {
  const [r] = await dataSource.query(
    `SELECT state, reason, wamid, error_code, attempts, history, owner, called_at, send_due
     FROM messages WHERE send_id = $1`,
    [sendId],
  );
  return r as {
    state: string;
    reason: string | null;
    wamid: string | null;
    error_code: number | null;
    attempts: number;
    history: Array<{ status: string; reason?: string; code?: number }>;
    owner: string | null;
    called_at: Date | null;
    send_due: unknown;
  };
}

const valuesOf = (records: Array<{ value: string | Buffer | null }>) =>
  records.map((r) => JSON.parse(String(r.value)) as Record<string, unknown>);

beforeAll(async () => {
  sim = await startWhatsAppSimulator({ tokens: { [PHONE_NUMBER_ID]: TOKEN } });
  config = readSenderConfig(
    senderEnv({ prefix: 'medium-', schema, topic: (name: string) => `medium-${name}` }, sim, {
      WHATSAPP_TIMEOUT_MS: '300',
      WHATSAPP_MAX_ATTEMPTS: '3',
      WHATSAPP_PAIR_INTERVAL_MS: '0',
      SENDER_AMBIGUOUS_SETTLE_MS: '200',
    }),
  );
  dataSource = createDataSource({
    url: process.env.DATABASE_URL!,
    schema,
    entities: [],
    migrations: senderMigrations,
    poolSize: 4,
  });
  await runMigrations(dataSource);
  sender = await senderProcess();
  await sender.settings.put(STORE, storeSettings() as unknown as StoreSettings);
  const marketing = storeSettings({
    storeId: MARKETING_STORE,
    whatsapp: {
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: TOKEN,
      mode: 'template',
      templateName: 'cart_reminder',
      templateLanguage: 'es',
      templateCategory: 'marketing',
    },
  });
  await sender.settings.put(MARKETING_STORE, marketing as unknown as StoreSettings);
});

afterEach(() => sim.reset());

afterAll(async () => {
  for (const close of closers) await close();
  await dataSource?.destroy();
  const db = await database('public');
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.close();
  await sim?.close();
});

describe('MessageDelivery against the database and the simulator', () => {
  it('sent: one call, the row sent with its wamid and the call marked, the sent outcome returned', async () => {
    const m = await intent(sender);
    const outcomes = valuesOf(await sender.delivery.deliverAll([m]));
    const [message] = sim.record.findMessages({ bizOpaqueCallbackData: m.sendId });
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: m.sendId })).toHaveLength(1);
    expect(outcomes).toEqual([
      expect.objectContaining({ sendId: m.sendId, status: 'sent', whatsappMessageId: message.wamid, reason: null }),
    ]);
    const r = await row(m.sendId);
    expect(r).toMatchObject({ state: 'sent', wamid: message.wamid, attempts: 1, owner: sender.messages.owner });
    expect(r.called_at).not.toBeNull();
    expect(r.history.map((h) => h.status)).toEqual(['sending', 'sent']);
  });

  it('retried: transient failures are tried again until accepted, still one message', async () => {
    sim.faults.failNext(2, { kind: 'error', code: 131000, httpStatus: 500 });
    const m = await intent(sender);
    const outcomes = valuesOf(await sender.delivery.deliverAll([m]));
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: m.sendId })).toHaveLength(3);
    expect(sim.record.findMessages({ bizOpaqueCallbackData: m.sendId })).toHaveLength(1);
    expect(outcomes.map((o) => o.status)).toEqual(['sent']);
    expect(await row(m.sendId)).toMatchObject({ state: 'sent', attempts: 3 });
  });

  it('ambiguous: answers lost to the end and no webhook, the send is left unknown and nothing announced', async () => {
    sim.faults.failNext(3, { kind: 'hang' });
    const m = await intent(sender);
    const outcomes = await sender.delivery.deliverAll([m]);
    expect(outcomes).toEqual([]);
    expect(sim.record.findMessages({ bizOpaqueCallbackData: m.sendId })).toHaveLength(0);
    const r = await row(m.sendId);
    expect(r).toMatchObject({ state: 'unknown', attempts: 3 });
    expect(r.history.map((h) => h.status)).toEqual(['sending', 'unknown']);
  });

  it('refused: a permanent error fails at once with its code; 131050 also records and announces the opt-out', async () => {
    sim.faults.failNext(1, { kind: 'error', code: 131026 });
    const undeliverable = await intent(sender);
    const [failed] = valuesOf(await sender.delivery.deliverAll([undeliverable]));
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: undeliverable.sendId })).toHaveLength(1);
    expect(failed).toMatchObject({
      sendId: undeliverable.sendId,
      status: 'failed',
      reason: expect.stringMatching(/^131026: /),
    });
    expect(await row(undeliverable.sendId)).toMatchObject({ state: 'failed', error_code: 131026, attempts: 1 });

    sim.faults.failNext(1, { kind: 'error', code: 131050 });
    const stopped = await intent(sender);
    const outcomes = valuesOf(await sender.delivery.deliverAll([stopped]));
    expect(outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sendId: stopped.sendId, status: 'failed' }),
        expect.objectContaining({ type: 'customer.opted-out', storeId: STORE, phone: stopped.phone }),
      ]),
    );
    const optOuts = await dataSource.query('SELECT source FROM opt_outs WHERE store_id = $1 AND phone = $2', [
      STORE,
      stopped.phone,
    ]);
    expect(optOuts).toEqual([{ source: 'graph-131050' }]);
  });

  it('token rejected: the message is held (deferred, store-paused, its send-due kept) and the store paused', async () => {
    sim.faults.failNext(1, { kind: 'error', code: 190, httpStatus: 401 });
    const m = await intent(sender);
    const outcomes = valuesOf(await sender.delivery.deliverAll([m]));
    expect(outcomes).toEqual([
      expect.objectContaining({ sendId: m.sendId, status: 'deferred', reason: 'store-paused' }),
    ]);
    const r = await row(m.sendId);
    expect(r).toMatchObject({ state: 'deferred', reason: 'store-paused', error_code: 190 });
    expect(r.send_due).toMatchObject({ sendId: m.sendId });
    expect((await sender.settings.ofStores([STORE])).get(STORE)?.paused).toBe(true);
    // Resumed for the next tests: the same settings with another token.
    await dataSource.query('UPDATE store_settings SET paused_at = NULL, paused_reason = NULL, paused_token = NULL');
  });

  it('take-over: an uncalled intent of a stopped process is sent once by another; its old owner no longer calls it', async () => {
    const old = await senderProcess();
    const orphan = await intent(old, 60_000);
    const taken = await sender.messages.takeOverUncalled(1000, 10, [...sender.delivery.delivering]);
    expect(taken.map((t) => t.sendId)).toContain(orphan.sendId);
    expect((await row(orphan.sendId)).owner).toBe(sender.messages.owner);

    // The old owner, alive after all: the fence (owner + called_at) stops its call.
    expect(await old.delivery.deliverAll([orphan])).toEqual([]);
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: orphan.sendId })).toHaveLength(0);

    const outcomes = valuesOf(await sender.delivery.deliverAll(taken.filter((t) => t.sendId === orphan.sendId)));
    expect(outcomes.map((o) => o.status)).toEqual(['sent']);
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: orphan.sendId })).toHaveLength(1);
    expect(await row(orphan.sendId)).toMatchObject({ state: 'sent', owner: sender.messages.owner });
    // Once called, it is never taken over again.
    expect((await sender.messages.takeOverUncalled(0, 10, [])).map((t) => t.sendId)).not.toContain(orphan.sendId);
  });

  it('marketing_messages: a lost answer is not tried again (no callback data can settle it), a /messages one is', async () => {
    sim.faults.failNext(1, { kind: 'lose-answer' });
    const marketing = await marketingIntent(sender);
    expect(await sender.delivery.deliverAll([marketing])).toEqual([]);
    expect(sim.record.findAttempts({ to: marketing.phone })).toHaveLength(1);
    expect(sim.record.findMessages({ to: marketing.phone })).toHaveLength(1); // Meta took it
    expect(await row(marketing.sendId)).toMatchObject({ state: 'unknown', attempts: 1, wamid: null });

    // The same fault on /messages: waited SENDER_AMBIGUOUS_SETTLE_MS, no webhook here, sent again.
    sim.faults.failNext(1, { kind: 'lose-answer' });
    const text = await intent(sender);
    await sender.delivery.deliverAll([text]);
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: text.sendId })).toHaveLength(2);
  });

  it('131055 on marketing_messages pauses the store; nothing went out', async () => {
    sim.updateSettings({ marketingTermsNotAccepted: [PHONE_NUMBER_ID] });
    try {
      const m = await marketingIntent(sender);
      const outcomes = valuesOf(await sender.delivery.deliverAll([m]));
      expect(outcomes).toEqual([
        expect.objectContaining({ sendId: m.sendId, status: 'deferred', reason: 'store-paused' }),
      ]);
      expect(await row(m.sendId)).toMatchObject({ state: 'deferred', error_code: 131055 });
      expect((await sender.settings.ofStores([MARKETING_STORE])).get(MARKETING_STORE)?.paused).toBe(true);
      expect(sim.record.findMessages({ to: m.phone })).toHaveLength(0);
    } finally {
      sim.updateSettings({ marketingTermsNotAccepted: [] });
      await dataSource.query('UPDATE store_settings SET paused_at = NULL, paused_reason = NULL, paused_token = NULL');
    }
  });

  it('a batch of mixed results is recorded in one go, each message with its own end', async () => {
    const batch = await Promise.all([intent(sender), intent(sender), intent(sender)]);
    sim.faults.failNext(1, { kind: 'error', code: 131026 });
    const outcomes = valuesOf(await sender.delivery.deliverAll(batch));
    const states = await Promise.all(batch.map(async (m) => (await row(m.sendId)).state));
    expect(states.sort()).toEqual(['failed', 'sent', 'sent']);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['failed', 'sent', 'sent']);
    for (const m of batch) expect(sim.record.findAttempts({ bizOpaqueCallbackData: m.sendId })).toHaveLength(1);
  });
});
