/**
 * A steady stream of carts at a fixed rate, through ingest's doors (HTTP, cart-events-raw and,
 * when asked, signed Shopify webhooks), that keeps trying while a service, the broker or the
 * database is away — as a platform would — and remembers what each cart should come to.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { cartKey } from '@lib/contracts';
import { shopifyEventId } from '../../apps/ingest/src/platforms/shopify';
import { cartEvent, Pipeline, postCartEvents } from '../support/pipeline';

export type CartKind = 'eligible' | 'duplicated' | 'bought-before' | 'no-consent' | 'opted-out';

export interface LoadCart {
  storeId: string;
  cartId: string;
  phone: string;
  kind: CartKind;
  eventIds: string[];
  /** How its events reached ingest. */
  door: Door;
}

/** How a second's carts reach ingest. */
export type Door = 'http' | 'raw' | 'shopify';

export interface LoadTally {
  carts: LoadCart[];
  /** Records that are not cart events at all (not JSON), published to cart-events-raw. */
  poison: string[];
  httpEvents: number;
  rawRecords: number;
  /** Shopify webhook deliveries (each one request; redeliveries included). */
  webhooks: number;
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
  /**
   * Publishes records to cart-events-raw as a platform would, resolving once acknowledged
   * (acks=all); a rejection is retried.
   */
  publishRaw: (records: Array<{ key: string; value: string }>) => Promise<void>;
  stores: string[];
  /** Phones that answered "BAJA" to each store before the load, by store. */
  optedOut: Record<string, string[]>;
  cartsPerSecond: number;
  seconds: number;
  /** One record in this many is poison. */
  poisonEvery: number;
  /** The doors, taken in turn second by second; default HTTP and cart-events-raw. */
  doors?: Door[];
  /** Each store's Shopify webhook secret (`shopify.webhookSecret`), for the `shopify` door. */
  shopifySecrets?: Record<string, string>;
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

/** A Shopify webhook delivery: topic, body and delivery id (the same on a redelivery). */
interface Webhook {
  storeId: string;
  topic: 'checkouts/update' | 'orders/create';
  body: string;
  id: string;
}

/** A cart's deliveries as Shopify would make them (REST checkout and order payloads), in order. */
function webhooksOf(cart: LoadCart, i: number): Webhook[] {
  const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const lines = [
    { key: `line-${i}`, sku: `SKU-${i % 50}`, title: `Producto ${i % 50}`, price: '19.95', quantity: 1 + (i % 3) },
    { key: 'line-cal', sku: 'CAL-3', title: 'Calcetines', price: '4.50', quantity: 1 },
  ];
  const checkout = (updatedAgo: number, lineItems = lines) => ({
    id: 9_000_000 + i,
    token: cart.cartId,
    created_at: at(updatedAgo + 30_000),
    updated_at: at(updatedAgo),
    completed_at: null,
    currency: 'EUR',
    phone: cart.phone,
    customer_locale: 'es-ES',
    line_items: lineItems,
    total_price: '44.40',
    abandoned_checkout_url: `https://shop.example/${cart.storeId}/checkouts/${cart.cartId}/recover`,
    customer: {
      first_name: `Cliente${i}`,
      sms_marketing_consent: { state: cart.kind === 'no-consent' ? 'not_subscribed' : 'subscribed' },
    },
  });
  const delivery = (topic: Webhook['topic'], payload: object): Webhook => ({
    storeId: cart.storeId,
    topic,
    body: JSON.stringify(payload),
    id: `wh-${randomUUID()}`,
  });
  switch (cart.kind) {
    case 'duplicated': {
      const newer = delivery('checkouts/update', checkout(ABANDONED_AGO_MS));
      const older = delivery('checkouts/update', checkout(ABANDONED_AGO_MS + 20_000, lines.slice(0, 1)));
      return [newer, older, newer]; // the newest first, then an older one, then the newest redelivered
    }
    case 'bought-before': {
      const order = {
        id: 7_000_000 + i,
        admin_graphql_api_id: `gid://shopify/Order/${7_000_000 + i}`,
        checkout_token: cart.cartId,
        processed_at: at(1000),
        currency: 'EUR',
        total_price: '44.40',
        phone: cart.phone,
        line_items: lines,
        customer: { first_name: `Cliente${i}` },
      };
      // The order first, then the checkout it completed (Shopify keeps no order across topics):
      // an order delivery held back by an outage behind the checkout's would be a purchase the
      // pipeline hears of only after the abandonment, which a message may rightly precede.
      return [delivery('orders/create', order), delivery('checkouts/update', checkout(20_000))];
    }
    default:
      return [delivery('checkouts/update', checkout(ABANDONED_AGO_MS))];
  }
}

/** The canonical event ids ingest makes of deliveries (docs/ingest.md, Shopify mapping). */
function shopifyEventIds(webhooks: Webhook[]): string[] {
  return webhooks.map((w) => {
    const p = JSON.parse(w.body) as { token?: string; updated_at?: string; id: number };
    return w.topic === 'orders/create'
      ? shopifyEventId({ kind: 'order', orderId: String(p.id) })
      : shopifyEventId({ kind: 'checkout', token: p.token!, updatedAt: p.updated_at });
  });
}

/** Runs the load; resolves when every batch was handed over (retrying through outages). */
export async function runCartLoad(o: LoadOptions, log: (m: string) => void): Promise<LoadTally> {
  const tally: LoadTally = { carts: [], poison: [], httpEvents: 0, rawRecords: 0, webhooks: 0, retries: 0 };
  const doors = o.doors ?? ['http', 'raw'];
  const optedOutUsed: Record<string, number> = {};
  let i = 0;
  const pending: Array<Promise<void>> = [];
  const started = Date.now();
  for (let second = 0; second < o.seconds && !o.stop?.(); second++) {
    // The doors in turn, second by second (HTTP for even seconds, the topic for odd ones by default).
    const door = doors[second % doors.length];
    const batch: Array<Record<string, unknown>> = [];
    const webhooks: Webhook[][] = [];
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
      const cart: LoadCart = { storeId, cartId: `L${i}`, phone, kind, eventIds: [], door };
      if (door === 'shopify') {
        const deliveries = webhooksOf(cart, i);
        cart.eventIds = [...new Set(shopifyEventIds(deliveries))];
        webhooks.push(deliveries);
      } else {
        const events = eventsOf(cart, i);
        cart.eventIds = [...new Set(events.map((e) => String(e.eventId)))];
        batch.push(...events);
      }
      tally.carts.push(cart);
      if (i % o.poisonEvery === o.poisonEvery - 1) {
        const id = `poison-${randomUUID()}`;
        tally.poison.push(id);
        poison.push({ key: cartKey(storeId, id), value: `{"not json": ${id}` });
      }
    }
    if (door === 'http') tally.httpEvents += batch.length;
    if (door === 'raw') tally.rawRecords += batch.length;
    tally.webhooks += webhooks.reduce((n, w) => n + w.length, 0);
    tally.rawRecords += poison.length;
    // Spread over ingest's instances second by second.
    const instance = second % o.pipeline.instances;
    pending.push(handOver(o, door, instance, batch, webhooks, poison, tally, log));
    const next = started + (second + 1) * 1000;
    await sleep(Math.max(0, next - Date.now()));
    if (second % 15 === 14) log(`load: ${tally.carts.length} carts so far, ${tally.retries} retried hand-overs`);
  }
  await Promise.all(pending);
  return tally;
}

async function handOver(
  o: LoadOptions,
  door: Door,
  instance: number,
  batch: Array<Record<string, unknown>>,
  webhooks: Webhook[][],
  poison: Array<{ key: string; value: string }>,
  tally: LoadTally,
  log: (m: string) => void,
): Promise<void> {
  const attempt = async (door: string, fn: () => Promise<unknown>) => {
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
        await sleep(500);
      }
    }
  };
  if (door === 'http') await attempt('POST /v1/cart-events', () => postCartEvents(o.pipeline, batch, instance));
  // Carts side by side, each cart's deliveries in order, each one retried until received.
  await Promise.all(
    webhooks.map(async (deliveries) => {
      for (const w of deliveries) await attempt('POST /v1/webhooks/shopify', () => postShopifyWebhook(o, w, instance));
    }),
  );
  const records = [
    ...(door === 'raw'
      ? batch.map((e) => ({ key: cartKey(String(e.storeId), String(e.cartId)), value: JSON.stringify(e) }))
      : []),
    ...poison,
  ];
  if (records.length) await attempt('cart-events-raw', () => o.publishRaw(records));
}

/** One signed delivery to `POST /v1/webhooks/shopify/{storeId}`; throws unless ingest kept it. */
async function postShopifyWebhook(o: LoadOptions, w: Webhook, instance: number): Promise<void> {
  const secret = o.shopifySecrets?.[w.storeId];
  if (!secret) throw new Error(`no Shopify webhook secret for store ${w.storeId}`);
  const res = await fetch(`${o.pipeline.url('ingest', instance)}/v1/webhooks/shopify/${w.storeId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': w.topic,
      'x-shopify-webhook-id': w.id,
      'x-shopify-hmac-sha256': createHmac('sha256', secret).update(w.body).digest('base64'),
    },
    body: w.body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (!res.ok || !text.includes('"received"'))
    throw new Error(`POST /v1/webhooks/shopify/${w.storeId}: ${res.status} ${text.slice(0, 300)}`);
}
