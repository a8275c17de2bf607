// Shopify's deliveries through ingest and the scheduler, both in this process on one prefix:
// signed webhooks with Shopify's own headers, out of order and duplicated the way Shopify
// duplicates them (one X-Shopify-Event-Id, several X-Shopify-Webhook-Ids), end as one fact per
// cart in the scheduler's table, the newest.
import { createHmac, randomUUID } from 'node:crypto';
import { TOPIC } from '@lib/contracts';
import { IngestUnderTest, startIngest, TEST_API_KEY } from '../apps/ingest/test/ingest-app';
import {
  closeDatabases,
  database,
  groupOf,
  RunningScheduler,
  startScheduler,
  storeSettings,
  STORE,
} from '../apps/scheduler/test/harness';
import { committedVsEnd, eventually, testKafka } from './support/kafka';

const kafka = testKafka();
const SECRET = 'shpss_deliveries_secret';
/** Ingest seals store secrets under this keyring (32 bytes of zeros is good enough for a test). */
const KEYRING = `test1:${Buffer.alloc(32).toString('base64')}`;
let ingest: IngestUnderTest;
let scheduler: RunningScheduler;
let schema: string;

beforeAll(async () => {
  ingest = await startIngest('shopify-deliveries', { SECRETS_ENCRYPTION_KEYS: KEYRING });
  schema = `sched_${ingest.prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
  scheduler = await startScheduler({ prefix: ingest.prefix, schema });
  const put = await fetch(`${ingest.url}/v1/stores/${STORE}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    // Abandonment an hour away: the test reads facts, no timer fires.
    body: JSON.stringify({ ...storeSettings({ abandonAfterMinutes: 60 }), shopify: { webhookSecret: SECRET } }),
  });
  expect(put.status).toBe(201);
});

afterAll(async () => {
  await closeDatabases();
  await scheduler?.close();
  await ingest?.close();
});

const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('base64');

interface Delivery {
  topic: string;
  eventId: string;
  webhookId?: string;
  triggeredAt: string;
  body: string;
}

async function deliver(d: Delivery): Promise<number> {
  const res = await fetch(`${ingest.url}/v1/webhooks/shopify/${STORE}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': d.topic,
      'x-shopify-hmac-sha256': sign(d.body),
      'x-shopify-shop-domain': 'lola-shoes.myshopify.com',
      'x-shopify-api-version': '2026-10',
      'x-shopify-webhook-id': d.webhookId ?? randomUUID(),
      'x-shopify-event-id': d.eventId,
      'x-shopify-triggered-at': d.triggeredAt,
    },
    body: d.body,
  });
  return res.status;
}

/** A checkout webhook payload (REST shape) of the cart at `updatedAt`, with these line items. */
function checkout(token: string, updatedAt: Date, titles: string[]) {
  return JSON.stringify({
    token,
    cart_token: `c-${token}`,
    created_at: new Date(updatedAt.getTime() - 60_000).toISOString(),
    updated_at: updatedAt.toISOString().replace('Z', '+00:00'),
    completed_at: null,
    currency: 'EUR',
    presentment_currency: 'EUR',
    phone: '+34 611 000 111',
    buyer_accepts_sms_marketing: true,
    sms_marketing_phone: '+34 611 000 111',
    customer_locale: 'es-ES',
    total_price: `${titles.length * 10}.00`,
    abandoned_checkout_url: `https://lola.example/checkouts/${token}/recover?key=k`,
    line_items: titles.map((title, i) => ({ key: `k${i}`, sku: `SKU-${i}`, title, price: '10.00', quantity: 1 })),
    customer: { first_name: 'Ana' },
  });
}

/** Every cart event ingest wrote has been through the scheduler's merge. */
async function schedulerCaughtUp(): Promise<void> {
  const topic = ingest.topic(TOPIC.cartEvents);
  const state = await eventually(
    () => committedVsEnd(kafka, groupOf({ prefix: ingest.prefix }), topic),
    (s) => s.end > 0 && s.committed === s.end,
    60_000,
  );
  expect(state.committed).toBe(state.end);
}

async function factsOf(cartId: string) {
  const db = await database(schema);
  try {
    const { rows } = await db.query(
      'SELECT facts, version, status, reason FROM carts WHERE store_id = $1 AND cart_id = $2',
      [STORE, cartId],
    );
    return rows[0] as {
      status: string;
      reason: string | null;
      facts: {
        items: { v: Array<{ title: string }> };
        seen: Array<[number, string]>;
        newest: { type: string; s: { at: number } };
      };
      version: number;
    };
  } finally {
    await db.close();
  }
}

describe('Shopify deliveries, duplicated and out of order', () => {
  it('one X-Shopify-Event-Id delivered under several Webhook-Ids and topics, and an older state after it: one fact, the newest', async () => {
    const token = `tok-${randomUUID().slice(0, 8)}`;
    const t1 = new Date(Date.now() - 120_000);
    const t2 = new Date(Date.now() - 60_000);
    const older: Delivery = {
      topic: 'checkouts/create',
      eventId: `ev-${token}-1`,
      triggeredAt: t1.toISOString(),
      body: checkout(token, t1, ['Zapatillas']),
    };
    const newer = checkout(token, t2, ['Zapatillas', 'Calcetines']);
    const newest: Delivery[] = [
      // One merchant action, two subscriptions (topics), then Shopify's retry of one of them.
      {
        topic: 'checkouts/update',
        eventId: `ev-${token}-2`,
        webhookId: 'wh-a',
        triggeredAt: t2.toISOString(),
        body: newer,
      },
      {
        topic: 'checkouts/create',
        eventId: `ev-${token}-2`,
        webhookId: 'wh-b',
        triggeredAt: t2.toISOString(),
        body: newer,
      },
      {
        topic: 'checkouts/update',
        eventId: `ev-${token}-2`,
        webhookId: 'wh-a',
        triggeredAt: t2.toISOString(),
        body: newer,
      },
    ];
    // The store directory follows store-settings: the secret arrives a moment after the PUT.
    expect(
      await eventually(
        () => deliver(newest[0]),
        (s) => s === 200,
      ),
    ).toBe(200);
    for (const d of [...newest.slice(1), older]) expect(await deliver(d)).toBe(200);

    await schedulerCaughtUp();
    const { facts, version } = await factsOf(token);
    expect(facts.items.v.map((i) => i.title)).toEqual(['Zapatillas', 'Calcetines']);
    // Two merchant actions, two facts merged: the three copies of the newest are one event.
    expect(facts.seen.map(([at]) => at)).toEqual([t2.getTime(), t1.getTime()]);
    expect(new Set(facts.seen.map(([, id]) => id)).size).toBe(2);
    expect(version).toBe(2);
  });

  it('checkouts/delete ends the cart: cancelled as emptied, no message planned', async () => {
    const token = `tok-${randomUUID().slice(0, 8)}`;
    const t1 = new Date(Date.now() - 60_000);
    const body = checkout(token, t1, ['Zapatillas']);
    expect(
      await deliver({ topic: 'checkouts/update', eventId: `ev-${token}-1`, triggeredAt: t1.toISOString(), body }),
    ).toBe(200);
    const deletion = JSON.stringify({ token, updated_at: t1.toISOString() });
    const deletedAt = new Date(Date.now() - 1000).toISOString();
    expect(
      await deliver({ topic: 'checkouts/delete', eventId: `ev-${token}-2`, triggeredAt: deletedAt, body: deletion }),
    ).toBe(200);

    await schedulerCaughtUp();
    const cart = await factsOf(token);
    expect(cart).toMatchObject({ status: 'cancelled', reason: 'emptied' });
    expect(cart.facts.newest).toMatchObject({ type: 'cart.emptied', s: { at: Date.parse(deletedAt) } });
  });
});
