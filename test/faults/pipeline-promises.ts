/**
 * What the fault tests set up around their load and what they check afterwards, shared by
 * pipeline.fault-spec.ts (one broker, service kills, PostgreSQL restart, simulator faults) and
 * replicated-cluster.fault-spec.ts (a 3-node cluster losing brokers): the stores, the shoppers
 * who opted out first, a platform producer that survives outages, the drain, and the promises.
 *
 * The promises, from the simulator's record, the topics and the services' tables: every
 * eligible cart got exactly one message, none outside opening hours, none to bought,
 * unconsented or opted-out carts, no sendId twice, every input record came out (on
 * cart-events, or in the DLQ when it is poison) and no record went to a DLQ for any other
 * reason (an outage must be waited out, never dead-lettered). The one exception is the
 * sender's documented crash window (docs/sender.md, crash points): a send the killed sender
 * recorded as called but whose request never left is never called again, since a lost
 * reminder is better than a double one. Such carts are counted apart, only when no request
 * for them reached the simulator and their call was recorded before the kill.
 */
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { createKafka, RecordProducer } from '@lib/kafka';
import { createLogger } from '@lib/observability';
import { cartKey, dlqTopicOf, DLQ_HEADER, TOPIC, type StoreSettings } from '@lib/contracts';
import { eventually } from '../support/kafka';
import {
  apiGet,
  hoursOpeningIn,
  hoursOpenNow,
  Pipeline,
  putStore,
  SimulatedMessage,
  storeSettings,
  TopicWatcher,
} from '../support/pipeline';
import type { LoadTally } from './cart-load';

export const digits = (p: string) => p.replace(/\D/g, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** At most one group of call marks is in flight: one per in-flight slot (SENDER_MAX_IN_FLIGHT). */
export const MAX_CALLED_BEFORE_KILL = 256;

export interface FaultStores {
  stores: StoreSettings[];
  /** The store closed at the start (Tokyo): its opening hour. */
  laterOpensAt: number;
  laterClosesAt: number;
  /** Its business number: every message from it must be inside its hours. */
  laterNumber: string;
}

/**
 * Three stores, each with its own business number: two open now (Madrid, New York), one closed
 * that opens `laterOpensInMinutes` later for an hour (Tokyo). With `webhookSecrets`, each takes
 * Shopify webhooks signed with `shopify-secret-<storeId>`.
 */
export function faultStores(o: { now: Date; laterOpensInMinutes: number; webhookSecrets?: boolean }): FaultStores {
  const later = hoursOpeningIn('Asia/Tokyo', o.laterOpensInMinutes, o.now, 60);
  const shopify = (storeId: string) =>
    o.webhookSecrets ? { shopify: { webhookSecret: webhookSecretOf(storeId) } } : {};
  const stores: StoreSettings[] = [
    storeSettings({
      storeId: 'faults-madrid',
      name: 'Zapatería Lola',
      timezone: 'Europe/Madrid',
      openingHours: hoursOpenNow('Europe/Madrid', o.now, 60, 120),
      whatsapp: { phoneNumberId: '106540352240001', accessToken: 'pipeline-access-token-0001', mode: 'text' },
      ...shopify('faults-madrid'),
    }),
    storeSettings({
      storeId: 'faults-newyork',
      name: 'Brooklyn Bikes',
      timezone: 'America/New_York',
      locale: 'en',
      openingHours: hoursOpenNow('America/New_York', o.now, 60, 120),
      whatsapp: { phoneNumberId: '106540352240002', accessToken: 'pipeline-access-token-0001', mode: 'text' },
      ...shopify('faults-newyork'),
    }),
    storeSettings({
      storeId: 'faults-tokyo',
      name: 'Tokyo Tabi',
      timezone: 'Asia/Tokyo',
      locale: 'en',
      openingHours: later.hours,
      whatsapp: { phoneNumberId: '106540352240003', accessToken: 'pipeline-access-token-0001', mode: 'text' },
      ...shopify('faults-tokyo'),
    }),
  ];
  return {
    stores,
    laterOpensAt: later.opensAt.getTime(),
    laterClosesAt: later.opensAt.getTime() + 60 * 60_000,
    laterNumber: '106540352240003',
  };
}

export function webhookSecretOf(storeId: string): string {
  return `shopify-secret-${storeId}`;
}

/** What the tests read: the flow's topics and every dead-letter topic. */
export function watchedTopics(pipeline: Pipeline): string[] {
  const t = pipeline.topics;
  return [t.cartEventsRaw, t.cartEvents, t.sendDue, t.messageOutcomes, ...dlqTopics(pipeline)];
}

function dlqTopics(pipeline: Pipeline): string[] {
  return (Object.keys(TOPIC) as Array<keyof typeof TOPIC>).map((k) => dlqTopicOf(pipeline.topics[k]));
}

/**
 * Puts the stores, then has `perStore` shoppers of each reply "BAJA" to its number, and waits
 * until their opt-outs are on `message-outcomes`. Returns the opted-out phones by store.
 */
export async function storesWithOptOuts(
  pipeline: Pipeline,
  watcher: TopicWatcher,
  stores: StoreSettings[],
  perStore: number,
  log: (m: string) => void,
): Promise<Record<string, string[]>> {
  for (const s of stores) await putStore(pipeline, s);
  await sleep(3000);
  const optedOut: Record<string, string[]> = {};
  for (const s of stores) {
    optedOut[s.storeId] = Array.from(
      { length: perStore },
      (_, k) => `+3471${s.whatsapp.phoneNumberId.slice(-1)}${String(k).padStart(6, '0')}`,
    );
    for (const phone of optedOut[s.storeId])
      await pipeline.simulator.reply(digits(phone), 'BAJA', s.whatsapp.phoneNumberId);
  }
  const optOutCount = () =>
    watcher.of(pipeline.topics.messageOutcomes).filter((r) => r.value?.type === 'customer.opted-out').length;
  const n = await eventually(
    async () => optOutCount(),
    (count) => count >= perStore * stores.length,
    60_000,
  );
  log(`${n} opt-outs recorded before the load`);
  if (n < perStore * stores.length) throw new Error(`only ${n} opt-outs on message-outcomes before the load`);
  return optedOut;
}

/**
 * A platform publishing to cart-events-raw, through libs/kafka's RecordProducer: the test's
 * own writes must not lose records either (kafkajs alone can acknowledge records it never
 * wrote when a leader dies, see RecordProducer), or the pipeline would be blamed for them.
 */
export function platformPublisher(
  pipeline: Pipeline,
  brokers: string,
): { publish: (records: Array<{ key: string; value: string }>) => Promise<void>; disconnect: () => Promise<void> } {
  const quiet = createLogger('platform', {
    level: 'error',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const producer = new RecordProducer(createKafka({ brokers: brokers.split(','), clientId: 'platform' }, quiet));
  const topic = pipeline.topics.cartEventsRaw;
  return {
    publish: (records) => producer.send(records.map((r) => ({ topic, key: r.key, value: r.value }))),
    disconnect: () => producer.disconnect().catch(() => undefined),
  };
}

/**
 * Waits until every eligible cart has a message (the later store's after its opening) or
 * `graceMs` passed after that, then 10 s more for late duplicates. Returns the messages.
 */
export async function drain(
  pipeline: Pipeline,
  tally: LoadTally,
  laterOpensAt: number,
  log: (m: string) => void,
  graceMs = 180_000,
): Promise<SimulatedMessage[]> {
  const eligible = tally.carts.filter((c) => c.kind === 'eligible' || c.kind === 'duplicated');
  const until = Math.max(Date.now(), laterOpensAt) + graceMs;
  for (;;) {
    const messages = await pipeline.simulator.messages();
    const reached = new Set(messages.map((m) => digits(m.to)));
    const missing = eligible.filter((c) => !reached.has(digits(c.phone))).length;
    if ((missing === 0 && Date.now() > laterOpensAt) || Date.now() > until) break;
    log(`waiting: ${missing} eligible carts without a message yet`);
    await sleep(5000);
  }
  await sleep(10_000); // late duplicates would show now
  return pipeline.simulator.messages();
}

export interface AccountContext {
  pipeline: Pipeline;
  watcher: TopicWatcher;
  /** Where the services' schemas are (read for carts left without a message). */
  databaseUrl: string;
  /** When the sender was SIGKILLed, if it was (its crash window). */
  senderKilledAt?: number;
}

export type Counts = Awaited<ReturnType<typeof account>>;

/** Every count the promises are made of, and what explains a broken one. */
export async function account(ctx: AccountContext, tally: LoadTally, messages: SimulatedMessage[], s: FaultStores) {
  const { pipeline, watcher } = ctx;
  const byPhone = new Map<string, SimulatedMessage[]>();
  for (const m of messages) byPhone.set(digits(m.to), [...(byPhone.get(digits(m.to)) ?? []), m]);
  const bySendId = new Map<string, number>();
  for (const m of messages)
    if (m.bizOpaqueCallbackData)
      bySendId.set(m.bizOpaqueCallbackData, (bySendId.get(m.bizOpaqueCallbackData) ?? 0) + 1);
  const eligible = tally.carts.filter((c) => c.kind === 'eligible' || c.kind === 'duplicated');
  const ineligible = tally.carts.filter((c) => !(c.kind === 'eligible' || c.kind === 'duplicated'));
  const loadPhones = new Set(tally.carts.map((c) => digits(c.phone)));

  const normalized = new Set(watcher.of(pipeline.topics.cartEvents).map((r) => String(r.value?.eventId)));
  const allEventIds = tally.carts.flatMap((c) => c.eventIds);
  // Where the carts with an event missing on cart-events went in, and whether they reached cart-events-raw.
  const rawKeys = new Set(watcher.of(pipeline.topics.cartEventsRaw).map((r) => r.key));
  const eventsMissingByDoor: Record<string, number> = {};
  const cartsWithEventsMissing: string[] = [];
  for (const c of tally.carts) {
    const lost = c.eventIds.filter((id) => !normalized.has(id)).length;
    if (lost === 0) continue;
    const onRaw = rawKeys.has(cartKey(c.storeId, c.cartId)) ? 'on' : 'not on';
    const k = c.door === 'http' ? 'http' : `${c.door}, ${onRaw} cart-events-raw`;
    eventsMissingByDoor[k] = (eventsMissingByDoor[k] ?? 0) + lost;
    if (cartsWithEventsMissing.length < 20) cartsWithEventsMissing.push(`${c.storeId}:${c.cartId} (${c.door})`);
  }
  const dead = dlqTopics(pipeline).flatMap((t) => watcher.of(t));
  const isPoison = (key: string | null) => tally.poison.some((id) => (key ?? '').endsWith(id));
  const deadKeys = new Set(dead.map((r) => r.key ?? ''));
  const deadLettersByTopic: Record<string, number> = {};
  for (const r of dead) {
    const k = `${r.topic.slice(pipeline.prefix.length)} ${r.headers[DLQ_HEADER.reason]}`;
    deadLettersByTopic[k] = (deadLettersByTopic[k] ?? 0) + 1;
  }
  const byKind: Record<string, number> = {};
  for (const c of tally.carts) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;

  const stats: Record<string, unknown> = {};
  for (const store of s.stores) {
    const r = await apiGet<Record<string, unknown>>(pipeline, 'scheduler', `/v1/stores/${store.storeId}/stats`).catch(
      () => ({ status: 0, body: undefined }),
    );
    const b = r.body as Record<string, unknown> | undefined;
    const picked = ['abandoned', 'pending', 'cancelled', 'emitted', 'sent', 'failed', 'deferred', 'expired', 'skipped'];
    stats[store.storeId] = b
      ? Object.fromEntries(picked.map((k) => [k, k === 'skipped' ? (b.skipped as { total: number }).total : b[k]]))
      : `stats API ${r.status}`;
  }
  const attempts = await pipeline.simulator.attempts();
  const attempted = new Set(attempts.flatMap((a) => (a.to ? [digits(a.to)] : [])));
  // The sender's crash window: called by the killed sender, no request ever reached the API.
  const unsent = eligible.filter((c) => !byPhone.get(digits(c.phone))?.length);
  const calledBeforeKill = await calledBefore(
    ctx,
    unsent.filter((c) => !attempted.has(digits(c.phone))).map((c) => c.cartId),
  );
  // Where the scheduler and the sender left the other carts that got no message: explains a failure.
  const missing = unsent.filter((c) => !calledBeforeKill.has(c.cartId));
  const whereMissing =
    missing.length > 0
      ? await whereCartsStopped(
          ctx,
          missing.map((c) => c.cartId),
        )
      : {};
  const missingPhones = new Set(missing.map((c) => digits(c.phone)));
  for (const a of attempts) {
    if (!a.to || !missingPhones.has(digits(a.to))) continue;
    const key = `simulator ${a.outcome}${a.errorCode ? ` ${a.errorCode}` : ''}`;
    whereMissing[key] = (whereMissing[key] ?? 0) + 1;
  }
  const refused: Record<string, number> = {};
  for (const a of attempts) {
    if (a.outcome === 'accepted') continue;
    const key = `${a.outcome}${a.errorCode ? ` ${a.errorCode}` : ''}`;
    refused[key] = (refused[key] ?? 0) + 1;
  }

  return {
    carts: tally.carts.length,
    cartsByKind: byKind,
    eventsOverHttp: tally.httpEvents,
    recordsOnCartEventsRaw: tally.rawRecords,
    shopifyWebhooks: tally.webhooks,
    poisonRecords: tally.poison.length,
    handOverRetries: tally.retries,
    distinctEventIdsOnCartEvents: normalized.size,
    eventsMissingOnCartEvents: allEventIds.filter((id) => !normalized.has(id)).length,
    eventsMissingByDoor,
    cartsWithEventsMissing,
    deadLetters: dead.length,
    deadLettersByTopic,
    poisonMissingInDlq: tally.poison.filter((id) => ![...deadKeys].some((k) => k.endsWith(id))).length,
    deadLettersNotPoison: dead.filter((r) => !isPoison(r.key)).length,
    sendDueRecords: watcher.of(pipeline.topics.sendDue).length,
    distinctSendIds: new Set(watcher.of(pipeline.topics.sendDue).map((r) => r.value?.sendId)).size,
    simulatorAttempts: attempts.length,
    simulatorNotAccepted: refused,
    messages: messages.length,
    eligibleCarts: eligible.length,
    eligibleWithoutMessage: missing.length,
    calledBeforeSenderKill: calledBeforeKill.size,
    whereThoseStopped: whereMissing,
    eligibleWithMoreThanOne: eligible.filter((c) => (byPhone.get(digits(c.phone))?.length ?? 0) > 1).length,
    messagesToIneligible: ineligible.reduce((n, c) => n + (byPhone.get(digits(c.phone))?.length ?? 0), 0),
    messagesToIneligibleByKind: countBy(
      ineligible.filter((c) => byPhone.get(digits(c.phone))?.length),
      (c) => `${c.kind} (${c.door})`,
    ),
    messagesNotFromLoad: messages.filter((m) => !loadPhones.has(digits(m.to))).length,
    sendIdsWithMoreThanOneMessage: [...bySendId.values()].filter((n) => n > 1).length,
    messagesOutsideHours: messages.filter(
      (m) => m.phoneNumberId === s.laterNumber && (m.acceptedAt < s.laterOpensAt || m.acceptedAt >= s.laterClosesAt),
    ).length,
    statsApi: stats,
  };
}

const PROMISES = [
  'eligibleWithoutMessage',
  'eligibleWithMoreThanOne',
  'messagesToIneligible',
  'messagesOutsideHours',
  'messagesNotFromLoad',
  'eventsMissingOnCartEvents',
  'poisonMissingInDlq',
  'deadLettersNotPoison',
  'sendIdsWithMoreThanOneMessage',
] as const;

/**
 * The counts that should be 0 and are not, with what explains them; {} when all hold. One
 * assertion over all of them, so a failure prints the broken ones with where the missing
 * carts stopped (CI shows only the end of the output).
 */
export function brokenPromises(counts: Counts): Record<string, unknown> {
  const broken: Record<string, unknown> = Object.fromEntries(
    PROMISES.filter((k) => counts[k] !== 0).map((k) => [k, counts[k]]),
  );
  if (counts.calledBeforeSenderKill > MAX_CALLED_BEFORE_KILL)
    broken.calledBeforeSenderKill = counts.calledBeforeSenderKill;
  if (Object.keys(broken).length === 0) return {};
  return {
    ...broken,
    whereThoseStopped: counts.whereThoseStopped,
    eventsMissingByDoor: counts.eventsMissingByDoor,
    messagesToIneligibleByKind: counts.messagesToIneligibleByKind,
    cartsWithEventsMissing: counts.cartsWithEventsMissing,
    deadLettersByTopic: counts.deadLettersByTopic,
    sendDueRecords: counts.sendDueRecords,
    simulatorNotAccepted: counts.simulatorNotAccepted,
    statsApi: counts.statsApi,
  };
}

/** The run in one JSON line (for a closing note): the main counts plus the test's own figures. */
export function summaryLine(counts: Counts, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    carts: counts.carts,
    eligible: counts.eligibleCarts,
    messages: counts.messages,
    withoutMessage: counts.eligibleWithoutMessage,
    duplicates: counts.eligibleWithMoreThanOne,
    toIneligible: counts.messagesToIneligible,
    outsideHours: counts.messagesOutsideHours,
    eventsMissing: counts.eventsMissingOnCartEvents,
    deadLetters: counts.deadLetters,
    deadLettersNotPoison: counts.deadLettersNotPoison,
    handOverRetries: counts.handOverRetries,
    ...(counts.calledBeforeSenderKill > 0 ? { calledBeforeSenderKill: counts.calledBeforeSenderKill } : {}),
    ...extra,
  });
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const item of items) counted[key(item)] = (counted[key(item)] ?? 0) + 1;
  return counted;
}

/**
 * Of these carts, those whose sender row is a call recorded before the sender's kill and never
 * answered (`sending` or `unknown`, `called_at` set): the killed process's crash window.
 */
async function calledBefore(ctx: AccountContext, cartIds: string[]): Promise<Set<string>> {
  if (cartIds.length === 0 || ctx.senderKilledAt === undefined) return new Set();
  const db = new Client({ connectionString: ctx.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ cart_id: string }>(
      `SELECT cart_id FROM "${ctx.pipeline.schemas.sender}".messages
        WHERE cart_id = ANY($1::text[]) AND state IN ('sending', 'unknown') AND called_at <= to_timestamp($2 / 1000.0)`,
      [cartIds, ctx.senderKilledAt],
    );
    return new Set(rows.map((r) => r.cart_id));
  } finally {
    await db.end();
  }
}

/** For carts without a message, the state each service left them in, counted ("scheduler cart …", "sender …"). */
async function whereCartsStopped(ctx: AccountContext, cartIds: string[]): Promise<Record<string, number>> {
  const { schemas } = ctx.pipeline;
  const where: Record<string, number> = {};
  const db = new Client({ connectionString: ctx.databaseUrl });
  await db.connect();
  try {
    const scheduler = await db.query(
      `SELECT 'scheduler cart ' || c.status || coalesce(' ' || c.reason, '')
              || coalesce(', abandonment ' || a.status, '') || CASE WHEN c.timer_at IS NOT NULL THEN ', timer set' ELSE '' END
              AS k, count(*)::int AS n
         FROM "${schemas.scheduler}".carts c
         LEFT JOIN "${schemas.scheduler}".abandonments a USING (store_id, cart_id)
        WHERE c.cart_id = ANY($1::text[]) GROUP BY 1`,
      [cartIds],
    );
    const sender = await db.query(
      `SELECT 'sender ' || state || coalesce(' ' || reason, '') || CASE WHEN called_at IS NOT NULL THEN ' (called)' ELSE '' END
              AS k, count(*)::int AS n
         FROM "${schemas.sender}".messages WHERE cart_id = ANY($1::text[]) GROUP BY 1`,
      [cartIds],
    );
    for (const r of [...scheduler.rows, ...sender.rows]) where[r.k] = r.n;
    const withRow = sender.rows.reduce((n, r) => n + r.n, 0);
    if (withRow < cartIds.length) where['sender: no row'] = cartIds.length - withRow;
  } finally {
    await db.end();
  }
  return where;
}
