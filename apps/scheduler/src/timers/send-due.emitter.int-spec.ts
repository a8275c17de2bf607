// SendDueEmitter on its own (the "medium" tier): its real repositories on the real PostgreSQL
// (the scheduler's migrations on a schema of its own) and the real Kafka (a topic prefix of
// its own). No consumer, no timer loop: carts are planned by the pure functions and saved as
// the cart-events pipeline leaves them, then `emitDue` is called and the send-due records on
// the topic, the rows (carts, abandonments, contacts) and the metrics are checked.
import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { kafkaSecurityOf } from '@lib/config';
import { cartKey, shopperKey, storeSettingsContract, TOPIC, type CartEvent, type SendDue } from '@lib/contracts';
import type { StoreSettings } from '@lib/contracts';
import { createDataSource, runMigrations } from '@lib/database';
import { KafkaModule } from '@lib/kafka';
import { createLogger, createMetrics, ObservabilityModule, Readiness } from '@lib/observability';
import { waitForTopics } from '../../../../scripts/stack/kafka/topics';
import { connectionEnv, readTopic, testKafka, uniquePrefix } from '../../../../test/support/kafka';
import { hoursOpeningIn } from '../../../../test/support/pipeline';
import {
  ABANDON_MS,
  API_KEY,
  cartEvent,
  closeDatabases,
  database,
  isolatedEnvironment,
  phoneOf,
  storeSettings,
} from '../../test/harness';
import { planSend } from '../business-hours';
import { reachablePhone } from '../cart-events/cart-facts';
import { CartRepository } from '../cart-events/cart.repository';
import { applyCartEvents, newCart, type CartState } from '../cart-events/cart-state';
import { readSchedulerConfig, type SchedulerConfig } from '../config';
import { ContactHoldRepository } from '../contacts/contact-hold.repository';
import { armOf } from '../experiments/holdout';
import { planningSettingsFor, variantOf } from '../experiments/variants';
import { schedulerMigrations } from '../migrations';
import { SchedulerMetrics } from '../scheduler.metrics';
import { PurgeRepository } from '../retention/purge.repository';
import { holdoutLiftOf } from '../stats/holdout-lift';
import { StatsRepository } from '../stats/stats.repository';
import { StatsController } from '../stats/stats.controller';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import { SCHEDULER_CONFIG } from '../tokens';
import { sendIdOf } from './due-cart';
import { SendDueEmitter } from './send-due.emitter';
import { TimerRepository } from './timer.repository';

const HOUR = 3_600_000;
const EXPERIMENT_KEY = 'emitter-int-spec-experiment-key-0123456789';
let env: Awaited<ReturnType<typeof isolatedEnvironment>>;
let config: SchedulerConfig;
let dataSource: DataSource;
const pools: DataSource[] = [];
const modules: TestingModule[] = [];

/** A pool on the file's schema: one per emitter, as each scheduler process has its own. */
function pool(): DataSource {
  const ds = createDataSource({
    url: process.env.DATABASE_URL!,
    schema: env.schema,
    entities: [],
    migrations: schedulerMigrations,
    poolSize: 4,
  });
  pools.push(ds);
  return ds;
}

/** One scheduler process's emitter and the repositories it uses, built by Nest's injection. */
async function schedulerProcess(opts: { topicPrefix?: string; dataSource?: DataSource } = {}) {
  const parts = {
    logger: createLogger('scheduler', { level: 'silent' }),
    metrics: createMetrics('scheduler'),
    readiness: new Readiness(),
  };
  const ds = opts.dataSource ?? dataSource;
  if (!ds.isInitialized) await ds.initialize();
  const ref = await Test.createTestingModule({
    imports: [
      ObservabilityModule.forRoot(parts),
      KafkaModule.forRoot({
        brokers: config.KAFKA_BROKERS,
        clientId: config.KAFKA_CLIENT_ID,
        security: kafkaSecurityOf(config),
        topicPrefix: opts.topicPrefix ?? config.TOPIC_PREFIX,
      }),
    ],
    providers: [
      { provide: SCHEDULER_CONFIG, useValue: config },
      { provide: DataSource, useValue: ds },
      SchedulerMetrics,
      TimerRepository,
      CartRepository,
      StoreSettingsRepository,
      ContactHoldRepository,
      SendDueEmitter,
      StatsRepository,
      PurgeRepository,
    ],
  }).compile();
  modules.push(ref);
  return {
    emitter: ref.get(SendDueEmitter),
    metrics: ref.get(SchedulerMetrics),
    carts: ref.get(CartRepository),
    settings: ref.get(StoreSettingsRepository),
    contacts: ref.get(ContactHoldRepository),
    stats: ref.get(StatsRepository),
    // The route's controller on its repository (its API-key guard is the route's, not tested here).
    statsApi: new StatsController(ref.get(StatsRepository)),
    purge: ref.get(PurgeRepository),
  };
}

type SchedulerProcess = Awaited<ReturnType<typeof schedulerProcess>>;
let scheduler: SchedulerProcess;

/** Store settings as the store-settings pipeline keeps them: valid by the contract, then put. */
async function putStore(storeId: string, patch: Partial<StoreSettings> = {}): Promise<StoreSettings> {
  const settings = { ...storeSettings({ sendDelayMinutes: 0, closedDates: [], ...patch }), storeId };
  expect(storeSettingsContract.check(settings)).toMatchObject({ ok: true });
  await scheduler.settings.put(storeId, settings as StoreSettings);
  return settings as StoreSettings;
}

let cartSeq = 0;

/**
 * Carts as the cart-events pipeline leaves them: one `cart.updated` each, `ago` ms back (by
 * default abandoned 5 s ago under `abandonAfterMinutes: 1`), merged and planned by
 * `applyCartEvents` with the context the pipeline builds (the store's stored settings, the
 * phone's opt-out, planSend), and saved as new carts.
 */
async function abandonedCarts(
  storeId: string,
  count: number,
  opts: { phone?: string; ago?: number } = {},
): Promise<CartState[]> {
  const settings = await scheduler.settings.of(storeId);
  const events: CartEvent[] = [];
  for (let i = 0; i < count; i++) {
    const cartId = `cart-${++cartSeq}`;
    const phone = opts.phone ?? phoneOf(cartId);
    events.push(
      cartEvent(cartId, 'cart.updated', Date.now() - (opts.ago ?? ABANDON_MS + 5000), {
        storeId,
        customer: { phone, firstName: 'Ana', locale: 'es-ES', whatsappOptIn: true },
      } as Partial<CartEvent>),
    );
  }
  const optedOut = await scheduler.contacts.optedOut(events.map((e) => ({ storeId, phone: e.customer!.phone! })));
  const states = events.map((e) => {
    const { state, changed } = applyCartEvents(newCart(storeId, e.cartId), [e], (facts) => {
      const phone = reachablePhone(facts);
      return {
        // As the pipeline plans: with the shopper's A/B variant's delay.
        settings: planningSettingsFor(EXPERIMENT_KEY, settings, storeId, phone),
        optedOut: phone !== null && optedOut.has(shopperKey(storeId, phone)),
        planSend,
      };
    });
    expect(changed).toBe(true);
    return state;
  });
  expect(await scheduler.carts.save(states.map((state) => ({ state, version: 1 })))).toEqual(new Set());
  return states;
}

const abandonedCart = async (storeId: string, opts: { phone?: string; ago?: number } = {}) =>
  (await abandonedCarts(storeId, 1, opts))[0];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Every send-due record on a topic: as many as its partitions' offsets say were written. */
async function sendDueRecords(topic = `${env.prefix}${TOPIC.sendDue}`) {
  const admin = testKafka().admin();
  await admin.connect();
  let written = 0;
  try {
    for (const o of await admin.fetchTopicOffsets(topic)) written += Number(o.high) - Number(o.low);
  } finally {
    await admin.disconnect();
  }
  if (written === 0) return [];
  const records = await readTopic(testKafka(), topic, written, 20_000);
  expect(records).toHaveLength(written);
  return records.map((r) => ({ key: r.key, event: JSON.parse(r.value!) as SendDue }));
}

async function recordsOf(carts: CartState[], topic?: string) {
  const ids = new Set(carts.map((c) => c.cartId));
  return (await sendDueRecords(topic)).filter((r) => ids.has(r.event.cartId));
}

async function cartRow(cart: CartState) {
  const [row] = await dataSource.query(
    'SELECT version, status, reason, send_id, timer_at, due_at FROM carts WHERE store_id = $1 AND cart_id = $2',
    [cart.storeId, cart.cartId],
  );
  return row as {
    version: number;
    status: string;
    reason: string | null;
    send_id: string | null;
    timer_at: Date | null;
    due_at: Date | null;
  };
}

async function abandonmentsOf(cart: CartState) {
  return (await dataSource.query(
    'SELECT episode, status, reason, send_id FROM abandonments WHERE store_id = $1 AND cart_id = $2',
    [cart.storeId, cart.cartId],
  )) as Array<{ episode: number; status: string; reason: string | null; send_id: string | null }>;
}

async function contactOf(storeId: string, phone: string) {
  const [row] = await dataSource.query(
    'SELECT hold_send_id, opted_out_at FROM contacts WHERE store_id = $1 AND phone = $2',
    [storeId, phone],
  );
  return row as { hold_send_id: string | null; opted_out_at: Date | null } | undefined;
}

/** timersFired by result, for the differences a test makes. */
async function fired(s: SchedulerProcess): Promise<Record<string, number>> {
  return Object.fromEntries((await s.metrics.timersFired.get()).values.map((v) => [v.labels.result, v.value]));
}

function firedSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const [result, n] of Object.entries(after))
    if (n !== (before[result] ?? 0)) moved[result] = n - (before[result] ?? 0);
  return moved;
}

const OPEN = 'open-all-week';

beforeAll(async () => {
  env = await isolatedEnvironment('emitter');
  config = readSchedulerConfig({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    ...connectionEnv(),
    DATABASE_URL: process.env.DATABASE_URL,
    TOPIC_PREFIX: env.prefix,
    DATABASE_SCHEMA: env.schema,
    API_KEYS: API_KEY,
    EXPERIMENT_ASSIGNMENT_KEY: EXPERIMENT_KEY,
  });
  dataSource = pool();
  await runMigrations(dataSource);
  scheduler = await schedulerProcess();
  await putStore(OPEN);
});

afterAll(async () => {
  for (const ref of modules) await ref.close();
  for (const ds of pools) if (ds.isInitialized) await ds.destroy();
  const db = await database('public');
  await db.query(`DROP SCHEMA IF EXISTS "${env.schema}" CASCADE`);
  await db.close();
  await closeDatabases();
});

describe('SendDueEmitter against the database and the broker', () => {
  it('a due cart: one send-due with its sendId, dueAt and notAfter, the rows marked; a second claim emits nothing', async () => {
    const cart = await abandonedCart(OPEN);
    expect(cart.episode.status).toBe('scheduled');
    const before = await fired(scheduler);

    expect(await scheduler.emitter.emitDue(100)).toBe(1);

    const sendId = sendIdOf(OPEN, cart.cartId, 1);
    const records = await recordsOf([cart]);
    expect(records).toHaveLength(1);
    expect(records[0].key).toBe(cartKey(OPEN, cart.cartId));
    expect(records[0].event).toMatchObject({
      sendId,
      storeId: OPEN,
      cartId: cart.cartId,
      customer: { phone: phoneOf(cart.cartId), firstName: 'Ana' },
      detectedAt: iso(cart.episode.detectedAt),
      dueAt: iso(cart.episode.dueAt),
      // Open all week, no delay: due at detection, and not after detection + maxDeferralHours.
      notAfter: iso(cart.episode.detectedAt! + 72 * HOUR),
    });
    expect(records[0].event.dueAt).toBe(records[0].event.detectedAt);
    expect(await cartRow(cart)).toMatchObject({ version: 2, status: 'emitted', send_id: sendId, timer_at: null });
    expect(await abandonmentsOf(cart)).toEqual([{ episode: 1, status: 'emitted', reason: null, send_id: sendId }]);
    expect(await contactOf(OPEN, phoneOf(cart.cartId))).toMatchObject({ hold_send_id: sendId, opted_out_at: null });
    expect(firedSince(before, await fired(scheduler))).toEqual({ emitted: 1 });

    const claimsBefore = (await scheduler.metrics.claims.get()).values.find((v) => v.labels.found === 'none');
    expect(await scheduler.emitter.emitDue(100)).toBe(0);
    expect(await recordsOf([cart])).toHaveLength(1);
    const claimsAfter = (await scheduler.metrics.claims.get()).values.find((v) => v.labels.found === 'none');
    expect(claimsAfter!.value).toBe((claimsBefore?.value ?? 0) + 1);
    expect(await cartRow(cart)).toMatchObject({ version: 2, status: 'emitted' });
  });

  it('two due carts of one shopper: one send-due, the other skipped by the frequency rule', async () => {
    const phone = '+34600700001';
    const carts = await abandonedCarts(OPEN, 2, { phone });
    const before = await fired(scheduler);

    expect(await scheduler.emitter.emitDue(100)).toBe(2);

    const records = await recordsOf(carts);
    expect(records).toHaveLength(1);
    const emitted = carts.find((c) => c.cartId === records[0].event.cartId)!;
    const skipped = carts.find((c) => c !== emitted)!;
    const sendId = sendIdOf(OPEN, emitted.cartId, 1);
    expect(records[0].event.sendId).toBe(sendId);
    expect(await cartRow(emitted)).toMatchObject({ status: 'emitted', send_id: sendId });
    expect(await cartRow(skipped)).toMatchObject({
      status: 'skipped',
      reason: 'frequency-cap',
      send_id: null,
      timer_at: null,
    });
    expect(await abandonmentsOf(skipped)).toEqual([
      { episode: 1, status: 'skipped', reason: 'frequency-cap', send_id: null },
    ]);
    expect(await contactOf(OPEN, phone)).toMatchObject({ hold_send_id: sendId });
    expect(firedSince(before, await fired(scheduler))).toEqual({ emitted: 1, 'skipped-frequency-cap': 1 });
  });

  it('a shopper who opted out after her cart was planned: skipped, nothing emitted, no hold', async () => {
    const cart = await abandonedCart(OPEN);
    expect(cart.episode.status).toBe('scheduled');
    const phone = phoneOf(cart.cartId);
    await scheduler.contacts.optOut(OPEN, phone, new Date().toISOString());
    const before = await fired(scheduler);

    expect(await scheduler.emitter.emitDue(100)).toBe(1);

    expect(await recordsOf([cart])).toEqual([]);
    expect(await cartRow(cart)).toMatchObject({ status: 'skipped', reason: 'opted-out', send_id: null });
    expect(await abandonmentsOf(cart)).toEqual([{ episode: 1, status: 'skipped', reason: 'opted-out', send_id: null }]);
    expect(await contactOf(OPEN, phone)).toMatchObject({ hold_send_id: null, opted_out_at: expect.any(Date) });
    expect(firedSince(before, await fired(scheduler))).toEqual({ 'skipped-opted-out': 1 });
  });

  it('a store closed now: the cart is due at the opening and not claimed before it', async () => {
    const { hours, opensAt } = hoursOpeningIn('Europe/Madrid', 60);
    await putStore('closed-now', { openingHours: hours });
    const cart = await abandonedCart('closed-now');
    expect(cart.episode).toMatchObject({ status: 'scheduled', dueAt: opensAt.getTime() });
    const before = await fired(scheduler);

    expect(await scheduler.emitter.emitDue(100)).toBe(0);

    expect(await recordsOf([cart])).toEqual([]);
    expect(await cartRow(cart)).toMatchObject({ version: 1, status: 'scheduled', timer_at: opensAt, due_at: opensAt });
    expect(await abandonmentsOf(cart)).toEqual([]);
    expect(firedSince(before, await fired(scheduler))).toEqual({});
  });

  it('a store disabled or gone since planning: its due carts are held without a timer, nothing emitted', async () => {
    await putStore('disabled-since');
    await putStore('gone-since');
    const disabled = await abandonedCart('disabled-since');
    const gone = await abandonedCart('gone-since');
    await putStore('disabled-since', { enabled: false });
    await scheduler.settings.put('gone-since', null);
    const before = await fired(scheduler);

    expect(await scheduler.emitter.emitDue(100)).toBe(2);

    expect(await recordsOf([disabled, gone])).toEqual([]);
    expect(await cartRow(disabled)).toMatchObject({ version: 2, status: 'disabled', timer_at: null, due_at: null });
    expect(await cartRow(gone)).toMatchObject({ version: 2, status: 'waiting-settings', timer_at: null });
    // Still open episodes: nothing archived.
    expect([...(await abandonmentsOf(disabled)), ...(await abandonmentsOf(gone))]).toEqual([]);
    expect(firedSince(before, await fired(scheduler))).toEqual({ held: 2 });
    expect(await scheduler.emitter.emitDue(100)).toBe(0);
  });

  it('no opening before notAfter (detection + maxDeferralHours): the cart expires at detection, nothing emitted', async () => {
    const { hours } = hoursOpeningIn('Europe/Madrid', 180);
    await putStore('opens-too-late', { openingHours: hours, maxDeferralHours: 1 });
    const cart = await abandonedCart('opens-too-late');
    expect(cart.episode).toMatchObject({ status: 'expiring', reason: 'no-opening-in-time', dueAt: null });
    const before = await fired(scheduler);

    expect(await scheduler.emitter.emitDue(100)).toBe(1);

    expect(await recordsOf([cart])).toEqual([]);
    expect(await cartRow(cart)).toMatchObject({ status: 'expired', reason: 'no-opening-in-time', timer_at: null });
    expect(await abandonmentsOf(cart)).toEqual([
      { episode: 1, status: 'expired', reason: 'no-opening-in-time', send_id: null },
    ]);
    expect(await contactOf('opens-too-late', phoneOf(cart.cartId))).toBeUndefined();
    expect(firedSince(before, await fired(scheduler))).toEqual({ expired: 1 });
  });

  it('two emitters on one schema claiming at once: every due cart emitted exactly once in all', async () => {
    const other = await schedulerProcess({ dataSource: pool() });
    const carts = await abandonedCarts(OPEN, 200);
    const before = [await fired(scheduler), await fired(other)];

    const drain = async (s: SchedulerProcess) => {
      let claimed = 0;
      for (let n = await s.emitter.emitDue(10); n > 0; n = await s.emitter.emitDue(10)) claimed += n;
      return claimed;
    };
    const claimed = await Promise.all([drain(scheduler), drain(other)]);

    expect(claimed[0] + claimed[1]).toBe(200);
    // Both took part: SKIP LOCKED let each claim what the other had not locked.
    expect(Math.min(...claimed)).toBeGreaterThan(0);
    const records = await recordsOf(carts);
    expect(records).toHaveLength(200);
    expect(new Set(records.map((r) => r.event.cartId)).size).toBe(200);
    expect(records.map((r) => r.event.sendId).sort()).toEqual(carts.map((c) => sendIdOf(OPEN, c.cartId, 1)).sort());
    const [{ statuses }] = await dataSource.query(
      `SELECT array_agg(DISTINCT status) AS statuses FROM carts WHERE cart_id = ANY($1::text[])`,
      [carts.map((c) => c.cartId)],
    );
    expect(statuses).toEqual(['emitted']);
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM abandonments WHERE status = 'emitted' AND cart_id = ANY($1::text[])`,
      [carts.map((c) => c.cartId)],
    );
    expect(n).toBe(200);
    const moved = [firedSince(before[0], await fired(scheduler)), firedSince(before[1], await fired(other))];
    expect(moved).toEqual([{ emitted: claimed[0] }, { emitted: claimed[1] }]);
  });

  it('the send is refused by the broker: nothing marked, no hold kept, and the next claim emits the same sendId', async () => {
    // A topic of its own that takes no record of a send-due's size: the broker refuses the
    // produce at once (MESSAGE_TOO_LARGE, not retried), as a real failed send.
    const refusing = uniquePrefix('emitter-refused');
    const topic = `${refusing}${TOPIC.sendDue}`;
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: 1,
            replicationFactor: 1,
            configEntries: [{ name: 'max.message.bytes', value: '64' }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    await waitForTopics(config.KAFKA_BROKERS.join(','), [topic]);
    const failing = await schedulerProcess({ topicPrefix: refusing });
    const cart = await abandonedCart(OPEN);
    const phone = phoneOf(cart.cartId);

    const started = Date.now();
    await expect(failing.emitter.emitDue(100)).rejects.toThrow(/larger than the max message size/);
    expect(Date.now() - started).toBeLessThan(15_000);

    expect(await cartRow(cart)).toMatchObject({
      version: 1,
      status: 'scheduled',
      send_id: null,
      timer_at: expect.any(Date),
    });
    expect(await abandonmentsOf(cart)).toEqual([]);
    // The hold the claim took was rolled back with it.
    expect(await contactOf(OPEN, phone)).toBeUndefined();
    expect(await fired(failing)).toEqual({});

    expect(await scheduler.emitter.emitDue(100)).toBe(1);
    const sendId = sendIdOf(OPEN, cart.cartId, 1);
    expect((await recordsOf([cart])).map((r) => r.event.sendId)).toEqual([sendId]);
    expect(await recordsOf([cart], topic)).toEqual([]);
    expect(await cartRow(cart)).toMatchObject({ version: 2, status: 'emitted', send_id: sendId });
    expect(await contactOf(OPEN, phone)).toMatchObject({ hold_send_id: sendId });
  });

  it('a store holding out 50%: held-out carts close held-out at their due time with a hold and no send-due; the stats compare both arms', async () => {
    const HOLDOUT = 'holdout-store';
    await putStore(HOLDOUT, { experiments: { holdoutPercent: 50, period: '2026-12' } });
    // Due 5 s from now: nothing is drawn, held out or sent before the due time.
    const carts = await abandonedCarts(HOLDOUT, 400, { ago: ABANDON_MS - 5000 });
    const arm = (c: CartState) =>
      armOf(EXPERIMENT_KEY, { holdoutPercent: 50, period: '2026-12' }, HOLDOUT, phoneOf(c.cartId));
    const heldOut = carts.filter((c) => arm(c) === 'holdout');
    const treated = carts.filter((c) => arm(c) === 'treated');
    // About half, within 4 standard deviations of the binomial (400 · ½ ± 4 · 10).
    expect(Math.abs(heldOut.length - 200)).toBeLessThan(40);
    expect(await scheduler.emitter.emitDue(100)).toBe(0);
    await new Promise((r) =>
      setTimeout(r, Math.max(0, Math.max(...carts.map((c) => c.episode.dueAt!)) - Date.now() + 50)),
    );
    const before = await fired(scheduler);

    expect(await scheduler.emitter.emitDue(1000)).toBe(400);

    const records = await recordsOf(carts);
    expect(records.map((r) => r.event.cartId).sort()).toEqual(treated.map((c) => c.cartId).sort());
    expect(firedSince(before, await fired(scheduler))).toEqual({ emitted: treated.length, 'held-out': heldOut.length });
    const rows: Array<{
      cart_id: string;
      status: string;
      arm: string | null;
      experiment_period: string | null;
      send_id: string;
      due_at: Date;
      closed_at: Date;
    }> = await dataSource.query(
      'SELECT cart_id, status, arm, experiment_period, send_id, due_at, closed_at FROM abandonments WHERE store_id = $1',
      [HOLDOUT],
    );
    expect(rows).toHaveLength(400);
    for (const row of rows) {
      const cart = carts.find((c) => c.cartId === row.cart_id)!;
      const held = arm(cart) === 'holdout';
      expect(row).toMatchObject({
        status: held ? 'held-out' : 'emitted',
        arm: held ? 'holdout' : 'treated',
        experiment_period: '2026-12',
        send_id: sendIdOf(HOLDOUT, cart.cartId, 1),
      });
      // Recorded when the message would have gone: at its due time, not before.
      expect(row.closed_at.getTime()).toBeGreaterThanOrEqual(row.due_at.getTime());
      expect(row.closed_at.getTime() - row.due_at.getTime()).toBeLessThan(15_000);
      expect(await cartRow(cart)).toMatchObject({ status: row.status, timer_at: null });
      // Both arms took the frequency hold: a held-out shopper counts as contacted.
      expect(await contactOf(HOLDOUT, phoneOf(cart.cartId))).toMatchObject({ hold_send_id: row.send_id });
    }

    // A held-out shopper's next cart, within the hold: skipped by the frequency rule, as if messaged.
    const again = await abandonedCart(HOLDOUT, { phone: phoneOf(heldOut[0].cartId) });
    expect(await scheduler.emitter.emitDue(100)).toBe(1);
    expect(await abandonmentsOf(again)).toEqual([
      { episode: 1, status: 'skipped', reason: 'frequency-cap', send_id: null },
    ]);
    expect(await recordsOf([again])).toEqual([]);

    // Orders after detection: three treated carts and one held-out cart convert.
    const converting = [...treated.slice(0, 3), heldOut[0]];
    const stored = await scheduler.carts.load(converting.map((c) => ({ storeId: HOLDOUT, cartId: c.cartId })));
    const settings = await scheduler.settings.of(HOLDOUT);
    const writes = [...stored.values()].map(({ state, version }) => {
      const order = cartEvent(state.cartId, 'cart.converted', Date.now(), {
        storeId: HOLDOUT,
        orderId: `o-${state.cartId}`,
        total: '59.90',
        currency: 'EUR',
      } as Partial<CartEvent>);
      const next = applyCartEvents(state, [order], () => ({ settings, optedOut: false, planSend }));
      return { state: next.state, version: version + 1 };
    });
    expect(await scheduler.carts.save(writes)).toEqual(new Set());

    const from = new Date(Date.now() - HOUR);
    const to = new Date(Date.now() + HOUR);
    const arms = await scheduler.stats.holdout(HOLDOUT, from, to);
    // The skipped cart reached no send decision: in neither arm.
    expect(arms).toEqual({
      treated: { carts: treated.length, converted: 3 },
      holdout: { carts: heldOut.length, converted: 1 },
    });
    // The stats API's answer (its controller, as the route calls it).
    const stats = await scheduler.statsApi.storeStats(HOLDOUT, from.toISOString(), to.toISOString());
    expect(stats.holdout).toEqual({
      ...holdoutLiftOf({ carts: treated.length, converted: 3 }, { carts: heldOut.length, converted: 1 }),
      withinWindows: expect.any(Object),
    });
    expect(stats.holdout!.lift.absolute).toBeCloseTo(3 / treated.length - 1 / heldOut.length, 4);
    expect(stats).toMatchObject({ abandoned: 401, emitted: treated.length });
    expect((await scheduler.statsApi.storeStats(OPEN, from.toISOString(), to.toISOString())).holdout).toBeUndefined();
    // A store running no holdout shows no holdout section.
    expect(await scheduler.stats.holdout(OPEN, from, to)).toBeNull();

    // The retention purge rolls the arms up into stats_daily: a window of whole UTC days counts
    // the same before and after the carts are deleted.
    const day = (ms: number, add: number) => {
      const d = new Date(ms);
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + add));
    };
    const detected = carts.map((c) => c.episode.detectedAt!);
    const [dayFrom, dayTo] = [day(Math.min(...detected), 0), day(Math.max(...detected), 1)];
    const beforePurge = await scheduler.stats.holdout(HOLDOUT, dayFrom, dayTo);
    expect(beforePurge).toEqual(arms);
    let cursor: Parameters<PurgeRepository['purgeCarts']>[0] = null;
    const later = new Date(Date.now() + 100 * 24 * HOUR);
    do {
      cursor = (await scheduler.purge.purgeCarts(cursor, 500, later, { closedCartDays: 90, contactHoldDays: 30 })).next;
    } while (cursor !== null);
    expect(await dataSource.query('SELECT 1 FROM abandonments WHERE store_id = $1', [HOLDOUT])).toEqual([]);
    expect(await scheduler.stats.holdout(HOLDOUT, dayFrom, dayTo)).toEqual(beforePurge);
  });

  it("a store with two variants: each shopper's carts planned with their variant's delay, emitted with the variant, compared in the stats", async () => {
    const VARIANTS = 'variants-store';
    const experiments = {
      holdoutPercent: 0,
      period: '2026-12',
      variants: [
        { id: 'a', weight: 1 },
        { id: 'later', weight: 1, sendDelayMinutes: 1, messageTemplates: { es: 'Tu carrito: {{recoveryLink}}' } },
      ],
    };
    await putStore(VARIANTS, { experiments });
    // Abandoned 65 s ago: due at detection (a) or a minute after it (later), both passed.
    const carts = await abandonedCarts(VARIANTS, 200, { ago: ABANDON_MS + 65_000 });
    const variantOfCart = (c: CartState) => variantOf(EXPERIMENT_KEY, experiments, VARIANTS, phoneOf(c.cartId));
    const inA = carts.filter((c) => variantOfCart(c) === 'a');
    const inLater = carts.filter((c) => variantOfCart(c) === 'later');
    expect(inA.length + inLater.length).toBe(200);
    expect(Math.abs(inA.length - 100)).toBeLessThan(30); // 4 standard deviations of the binomial
    for (const c of carts) {
      expect([c.cartId, c.episode.dueAt! - c.episode.detectedAt!]).toEqual([
        c.cartId,
        variantOfCart(c) === 'later' ? 60_000 : 0,
      ]);
    }

    expect(await scheduler.emitter.emitDue(1000)).toBe(200);
    const records = await recordsOf(carts);
    expect(records).toHaveLength(200);
    for (const r of records) {
      expect([r.event.cartId, r.event.variant]).toEqual([
        r.event.cartId,
        variantOfCart(carts.find((c) => c.cartId === r.event.cartId)!),
      ]);
    }
    const rows: Array<{ cart_id: string; variant: string | null; experiment_period: string | null }> =
      await dataSource.query('SELECT cart_id, variant, experiment_period FROM abandonments WHERE store_id = $1', [
        VARIANTS,
      ]);
    expect(rows).toHaveLength(200);
    for (const row of rows) {
      expect(row).toEqual({
        cart_id: row.cart_id,
        variant: variantOfCart(carts.find((c) => c.cartId === row.cart_id)!),
        experiment_period: '2026-12',
      });
    }

    // Three carts of a and one of later are bought after detection.
    const converting = [...inA.slice(0, 3), inLater[0]];
    const stored = await scheduler.carts.load(converting.map((c) => ({ storeId: VARIANTS, cartId: c.cartId })));
    const settings = await scheduler.settings.of(VARIANTS);
    const writes = [...stored.values()].map(({ state, version }) => {
      const order = cartEvent(state.cartId, 'cart.converted', Date.now(), {
        storeId: VARIANTS,
        orderId: `o-${state.cartId}`,
        total: '20.00',
        currency: 'EUR',
      } as Partial<CartEvent>);
      return {
        state: applyCartEvents(state, [order], () => ({ settings, optedOut: false, planSend })).state,
        version: version + 1,
      };
    });
    expect(await scheduler.carts.save(writes)).toEqual(new Set());

    const from = new Date(Date.now() - HOUR);
    const to = new Date(Date.now() + HOUR);
    const stats = await scheduler.statsApi.storeStats(VARIANTS, from.toISOString(), to.toISOString());
    expect(stats.variants).toMatchObject({
      winner: null,
      why: 'too-small',
      tooSmall: true,
      stillNeeded: { a: 500 - inA.length, later: 500 - inLater.length },
      variants: [
        {
          variant: 'a',
          carts: inA.length,
          converted: 3,
          revenue: { EUR: '60.00' },
          conversionRate: expect.any(Number),
        },
        { variant: 'later', carts: inLater.length, converted: 1, revenue: { EUR: '20.00' } },
      ],
    });
    expect(stats.variants!.variants[0].conversionRate).toBeCloseTo(3 / inA.length, 4);
    // A store without variants shows no variants section.
    expect((await scheduler.statsApi.storeStats(OPEN, from.toISOString(), to.toISOString())).variants).toBeUndefined();

    // The purge rolls the variants up: whole UTC days count the same before and after.
    const day = (ms: number, add: number) => {
      const d = new Date(ms);
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + add));
    };
    const detected = carts.map((c) => c.episode.detectedAt!);
    const [dayFrom, dayTo] = [day(Math.min(...detected), 0), day(Math.max(...detected), 1)];
    const beforePurge = await scheduler.stats.variants(VARIANTS, dayFrom, dayTo);
    expect(beforePurge.find((v) => v.variant === 'a')).toMatchObject({ carts: inA.length, converted: 3 });
    let cursor: Parameters<PurgeRepository['purgeCarts']>[0] = null;
    const later = new Date(Date.now() + 100 * 24 * HOUR);
    do {
      cursor = (await scheduler.purge.purgeCarts(cursor, 500, later, { closedCartDays: 90, contactHoldDays: 30 })).next;
    } while (cursor !== null);
    expect(await dataSource.query('SELECT 1 FROM abandonments WHERE store_id = $1', [VARIANTS])).toEqual([]);
    const sortById = (v: Array<{ variant: string }>) => [...v].sort((x, y) => x.variant.localeCompare(y.variant));
    expect(sortById(await scheduler.stats.variants(VARIANTS, dayFrom, dayTo))).toEqual(sortById(beforePurge));
  });
});
