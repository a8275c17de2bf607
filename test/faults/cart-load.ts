/**
 * A steady stream of carts at a fixed rate, through both doors (HTTP and cart-events-raw),
 * that keeps trying while a service, the broker or the database is away — as a platform
 * would — and remembers what each cart should come to.
 */
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { cartKey } from '@lib/contracts';
import { cartEvent, Pipeline, postCartEvents } from '../support/pipeline';

export type CartKind = 'eligible' | 'duplicated' | 'bought-before' | 'no-consent' | 'opted-out';

export interface LoadCart {
  storeId: string;
  cartId: string;
  phone: string;
  kind: CartKind;
  eventIds: string[];
}

export interface LoadTally {
  carts: LoadCart[];
  /** Records that are not cart events at all (not JSON), published to cart-events-raw. */
  poison: string[];
  httpEvents: number;
  rawRecords: number;
  /** Failed attempts to hand a batch over (service, broker or database away), retried. */
  retries: number;
}

/** Which shoppers are which: fixed by the cart's number, so a run is repeatable. */
export function kindOf(i: number): CartKind {
  const r = i % 20;
  if (r < 12) return 'eligible';
  if (r < 14) return 'duplicated';
  if (r < 16) return 'bought-before';
  if (r < 18) return 'no-consent';
  return 'opted-out';
}

const ABANDONED_AGO_MS = 65_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LoadOptions {
  pipeline: Pipeline;
  producer: () => Producer;
  stores: string[];
  /** Phones that answered "BAJA" to each store before the load, by store. */
  optedOut: Record<string, string[]>;
  cartsPerSecond: number;
  seconds: number;
  /** One record in this many is poison. */
  poisonEvery: number;
  /** A fresh producer after a failed send (an idempotent producer can stay wedged after a broker restart). */
  renewProducer: () => Promise<void>;
  stop?: () => boolean;
}

/** Spanish mobile numbers, one per cart: the simulator's record then tells carts apart. */
export function phoneOf(i: number): string {
  return `+3461${String(i).padStart(7, '0')}`;
}

function eventsOf(cart: LoadCart, i: number): Array<Record<string, unknown>> {
  const base = {
    storeId: cart.storeId,
    cartId: cart.cartId,
    phone: cart.phone,
    firstName: `Cliente${i}`,
    locale: 'es-ES',
    items: [
      { sku: `SKU-${i % 50}`, title: `Producto ${i % 50}`, quantity: 1 + (i % 3), unitPrice: '19.95' },
      { sku: 'CAL-3', title: 'Calcetines', quantity: 1, unitPrice: '4.50' },
    ],
  };
  const at = (msAgo: number) => new Date(Date.now() - msAgo);
  switch (cart.kind) {
    case 'eligible':
      return [cartEvent({ ...base, occurredAt: at(ABANDONED_AGO_MS) })];
    case 'duplicated': {
      const older = cartEvent({ ...base, occurredAt: at(ABANDONED_AGO_MS + 20_000), items: base.items.slice(0, 1) });
      const newer = cartEvent({ ...base, occurredAt: at(ABANDONED_AGO_MS), type: 'checkout.started' });
      return [newer, older, newer];
    }
    case 'bought-before':
      return [
        cartEvent({ ...base, occurredAt: at(20_000) }),
        cartEvent({ ...base, occurredAt: at(1000), type: 'cart.converted' }),
      ];
    case 'no-consent':
      return [cartEvent({ ...base, optIn: false, occurredAt: at(ABANDONED_AGO_MS) })];
    case 'opted-out':
      return [cartEvent({ ...base, occurredAt: at(ABANDONED_AGO_MS) })];
  }
}

/** Runs the load; resolves when every batch was handed over (retrying through outages). */
export async function runCartLoad(o: LoadOptions, log: (m: string) => void): Promise<LoadTally> {
  const tally: LoadTally = { carts: [], poison: [], httpEvents: 0, rawRecords: 0, retries: 0 };
  const optedOutUsed: Record<string, number> = {};
  let i = 0;
  const pending: Array<Promise<void>> = [];
  const started = Date.now();
  for (let second = 0; second < o.seconds && !o.stop?.(); second++) {
    const batch: Array<Record<string, unknown>> = [];
    const poison: Array<{ key: string; value: string }> = [];
    for (let k = 0; k < o.cartsPerSecond; k++, i++) {
      const storeId = o.stores[i % o.stores.length];
      let kind = kindOf(i);
      let phone = phoneOf(i);
      if (kind === 'opted-out') {
        const list = o.optedOut[storeId] ?? [];
        const n = (optedOutUsed[storeId] = (optedOutUsed[storeId] ?? 0) + 1);
        if (n <= list.length) phone = list[n - 1];
        else kind = 'eligible';
      }
      const cart: LoadCart = { storeId, cartId: `L${i}`, phone, kind, eventIds: [] };
      const events = eventsOf(cart, i);
      cart.eventIds = [...new Set(events.map((e) => String(e.eventId)))];
      tally.carts.push(cart);
      batch.push(...events);
      if (i % o.poisonEvery === o.poisonEvery - 1) {
        const id = `poison-${randomUUID()}`;
        tally.poison.push(id);
        poison.push({ key: cartKey(storeId, id), value: `{"not json": ${id}` });
      }
    }
    // Alternate the doors second by second: HTTP for even seconds, the topic for odd ones.
    const viaHttp = second % 2 === 0;
    if (viaHttp) tally.httpEvents += batch.length;
    else tally.rawRecords += batch.length;
    tally.rawRecords += poison.length;
    pending.push(handOver(o, viaHttp, batch, poison, tally, log));
    const next = started + (second + 1) * 1000;
    await sleep(Math.max(0, next - Date.now()));
    if (second % 15 === 14) log(`load: ${tally.carts.length} carts so far, ${tally.retries} retried hand-overs`);
  }
  await Promise.all(pending);
  return tally;
}

async function handOver(
  o: LoadOptions,
  viaHttp: boolean,
  batch: Array<Record<string, unknown>>,
  poison: Array<{ key: string; value: string }>,
  tally: LoadTally,
  log: (m: string) => void,
): Promise<void> {
  const attempt = async (door: string, fn: () => Promise<unknown>, onFailure?: () => Promise<void>) => {
    const since = Date.now();
    for (let failures = 0; ; failures++) {
      try {
        await fn();
        return;
      } catch (error) {
        tally.retries++;
        // An outage of the test lasts seconds: five minutes of refusals is a failure, not a wait.
        if (Date.now() - since > 300_000)
          throw new Error(`${door}: still failing after 5 minutes: ${(error as Error).message}`);
        if (failures % 20 === 0) log(`${door}: ${(error as Error).message.slice(0, 200)} (retrying)`);
        await onFailure?.().catch(() => undefined);
        await sleep(500);
      }
    }
  };
  if (viaHttp) await attempt('POST /v1/cart-events', () => postCartEvents(o.pipeline, batch));
  const records = [
    ...(viaHttp
      ? []
      : batch.map((e) => ({ key: cartKey(String(e.storeId), String(e.cartId)), value: JSON.stringify(e) }))),
    ...poison,
  ];
  if (records.length)
    await attempt(
      'cart-events-raw',
      () => o.producer().send({ topic: o.pipeline.topics.cartEventsRaw, acks: -1, timeout: 10_000, messages: records }),
      o.renewProducer,
    );
}
