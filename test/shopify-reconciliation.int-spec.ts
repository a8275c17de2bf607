// The Shopify reconciliation poll on the real broker and database, against the Admin GraphQL
// stand-in (test/shopify-simulator): ingest and the scheduler in this process on one prefix.
// One cart's webhook is delivered, another's is dropped on purpose; the poll recovers the
// dropped one, its copy of the delivered one is the same event, and a second pass re-reading
// the overlap publishes nothing new: one fact and one send-due per cart. A throttled answer
// is waited out; a store whose token Shopify refuses is paused, the others go on.
import { createHmac, randomUUID } from 'node:crypto';
import { TOPIC } from '@lib/contracts';
import { IngestUnderTest, startIngest, TEST_API_KEY } from '../apps/ingest/test/ingest-app';
import { shopifyEventId } from '../apps/ingest/src/platforms/shopify';
import {
  closeDatabases,
  database,
  groupOf,
  readSendDue,
  RunningScheduler,
  startScheduler,
  storeSettings,
  STORE,
} from '../apps/scheduler/test/harness';
import { committedVsEnd, eventually, readTopic, testKafka } from './support/kafka';
import { abandonedCheckoutNode, ShopifyAdminSimulator, startShopifyAdminSimulator } from './shopify-simulator';

const kafka = testKafka();
const KEYRING = `test1:${Buffer.alloc(32, 7).toString('base64')}`;
const SECRET = 'shpss_reconciliation_secret';
const ADMIN_TOKEN = 'shpat_lola_admin_token_0001';
const REFUSED_TOKEN = 'shpat_refused_admin_token_0002';
const LOLA = 'lola-shoes.myshopify.com';
const OTHER = 'other-store';

let sim: ShopifyAdminSimulator;
let ingest: IngestUnderTest;
let scheduler: RunningScheduler;
let schema: string;

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
const delivered = { token: `deliv${randomUUID().slice(0, 8)}`, updatedAt: minutesAgo(3), phone: '+34611000201' };
const dropped = { token: `dropd${randomUUID().slice(0, 8)}`, updatedAt: minutesAgo(3), phone: '+34611000202' };

beforeAll(async () => {
  sim = await startShopifyAdminSimulator([
    {
      domain: LOLA,
      accessToken: ADMIN_TOKEN,
      checkouts: [delivered, dropped].map((c) =>
        abandonedCheckoutNode({ ...c, titles: ['Zapatillas', 'Calcetines'], shop: LOLA }),
      ),
    },
    { domain: 'other-store.myshopify.com', accessToken: 'shpat_the_one_shopify_knows' },
  ]);
  // The poll's first answer is THROTTLED: it waits for the points, then goes on.
  sim.throttleNext(LOLA, 1);
  ingest = await startIngest('shopify-reconcile', {
    SECRETS_ENCRYPTION_KEYS: KEYRING,
    INGEST_SHOPIFY_POLL_INTERVAL_SECONDS: '1',
    INGEST_SHOPIFY_ADMIN_API_URL: sim.url,
  });
  schema = `sched_${ingest.prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
  scheduler = await startScheduler({ prefix: ingest.prefix, schema });
  // The webhook of one cart arrives before the poll can run (the store has no token yet).
  await putStore(STORE, { webhookSecret: SECRET });
  const body = checkoutWebhook(delivered);
  expect(
    await eventually(
      () => deliver(body),
      (s) => s === 200,
    ),
  ).toBe(200);
  // Now the poll may run: the dropped cart's webhook never comes.
  await putStore(STORE, { webhookSecret: SECRET, shopDomain: LOLA, adminApiAccessToken: ADMIN_TOKEN });
  await putStore(OTHER, {
    webhookSecret: SECRET,
    shopDomain: 'other-store.myshopify.com',
    adminApiAccessToken: REFUSED_TOKEN,
  });
});

afterAll(async () => {
  await closeDatabases();
  await scheduler?.close();
  await ingest?.close();
  await sim?.close();
});

async function putStore(storeId: string, shopify: Record<string, string>): Promise<void> {
  const res = await fetch(`${ingest.url}/v1/stores/${storeId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...storeSettings({ storeId, sendDelayMinutes: 0 }), shopify }),
  });
  expect(res.status).toBeLessThan(300);
}

/** The checkouts/update webhook of the same checkout state, REST-shaped. */
function checkoutWebhook(c: typeof delivered): string {
  return JSON.stringify({
    token: c.token,
    created_at: new Date(c.updatedAt.getTime() - 60_000).toISOString(),
    updated_at: c.updatedAt.toISOString().replace('Z', '+00:00'),
    currency: 'EUR',
    total_price: '20.00',
    phone: c.phone,
    abandoned_checkout_url: `https://${LOLA}/58941506/checkouts/${c.token}/recover?key=w`,
    line_items: ['Zapatillas', 'Calcetines'].map((title, i) => ({
      sku: `SKU-${i}`,
      title,
      price: '10.00',
      quantity: 1,
    })),
    customer: { first_name: 'Ana', sms_marketing_consent: { state: 'subscribed' } },
  });
}

async function deliver(body: string): Promise<number> {
  const res = await fetch(`${ingest.url}/v1/webhooks/shopify/${STORE}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': 'checkouts/update',
      'x-shopify-hmac-sha256': createHmac('sha256', SECRET).update(body).digest('base64'),
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-event-id': randomUUID(),
      'x-shopify-triggered-at': new Date().toISOString(),
    },
    body,
  });
  return res.status;
}

async function cartRow(cartId: string) {
  const db = await database(schema);
  try {
    const { rows } = await db.query('SELECT facts FROM carts WHERE store_id = $1 AND cart_id = $2', [STORE, cartId]);
    return rows[0] as
      { facts: { seen: Array<[number, string]>; items: { v: Array<{ title: string }> } }; version: number } | undefined;
  } finally {
    await db.close();
  }
}

const checkoutPages = () => sim.requests.filter((r) => r.shop === LOLA && r.connection === 'abandonedCheckouts');

describe('Shopify reconciliation poll', () => {
  it('recovers the dropped webhook, and publishes the delivered one as the same event: one fact, one send-due per cart', async () => {
    // Two passes at least: the second re-reads the first's overlap.
    await eventually(
      async () => checkoutPages().filter((r) => r.outcome === 'page').length,
      (n) => n >= 2,
      60_000,
    );
    const topic = ingest.topic(TOPIC.cartEvents);
    await eventually(
      () => committedVsEnd(kafka, groupOf({ prefix: ingest.prefix }), topic),
      (s) => s.end >= 3 && s.committed === s.end,
      60_000,
    );

    const recovered = await cartRow(dropped.token);
    expect(recovered?.facts.items.v.map((i) => i.title)).toEqual(['Zapatillas', 'Calcetines']);
    for (const c of [delivered, dropped]) {
      const row = await cartRow(c.token);
      // Every copy (webhook, first pass, overlap of the second) is one event id, merged once
      // (the row's version also moves when its timer fires, so it says nothing here).
      expect(row?.facts.seen.map(([, id]) => id)).toEqual([
        shopifyEventId({ kind: 'checkout', token: c.token, updatedAt: c.updatedAt.toISOString() }),
      ]);
    }
    // On cart-events: the delivered cart's webhook and poll copies share their event id.
    const events = (await readTopic(kafka, topic, 1000, 5000)).map(
      (r) => JSON.parse(r.value!) as { cartId: string; eventId: string },
    );
    const ids = (token: string) => new Set(events.filter((e) => e.cartId === token).map((e) => e.eventId));
    expect(ids(delivered.token).size).toBe(1);
    expect(ids(dropped.token).size).toBe(1);

    // Abandoned 3 minutes ago (abandonAfterMinutes 1), open all week, no delay: one send-due each.
    const dues = await readSendDue(ingest.topic(TOPIC.sendDue), 3, 15_000);
    const perCart = (token: string) => dues.filter((d) => d.event.cartId === token).length;
    expect([perCart(delivered.token), perCart(dropped.token)]).toEqual([1, 1]);
  });

  it('waited out a THROTTLED answer, paused the store whose token Shopify refused, and exposes lag and pause', async () => {
    const outcomes = checkoutPages().map((r) => r.outcome);
    expect(outcomes[0]).toBe('throttled');
    expect(outcomes[1]).toBe('page');
    const refused = sim.requests.filter((r) => r.outcome === 'unauthorized');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    // Paused: not asked again on every tick.
    const before = refused.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(sim.requests.filter((r) => r.outcome === 'unauthorized').length).toBe(before);

    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(metrics).toMatch(/ingest_shopify_poll_paused_stores(\{[^}]*\})? 1\b/);
    expect(metrics).toMatch(/ingest_shopify_poll_requests_total\{outcome="throttled"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ingest_shopify_poll_requests_total\{outcome="unauthorized"[^}]*\} 1\b/);
    const lag = Number(/ingest_shopify_poll_lag_seconds(?:\{[^}]*\})? ([\d.e+-]+)/.exec(metrics)?.[1]);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(30);
    // The Admin API token is kept sealed: neither the table nor the topic holds it in plaintext.
    const db = await database(`ingest_${ingest.prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 63));
    try {
      const { rows } = await db.query('SELECT settings::text AS text FROM store_settings');
      expect(rows.map((r: { text: string }) => r.text).join('\n')).toMatch(/adminApiAccessTokenCiphertext/);
      expect(rows.map((r: { text: string }) => r.text).join('\n')).not.toMatch(
        new RegExp(`${ADMIN_TOKEN}|${REFUSED_TOKEN}`),
      );
    } finally {
      await db.close();
    }
    const published = await readTopic(kafka, ingest.topic(TOPIC.storeSettings), 1000, 3000);
    expect(published.length).toBeGreaterThan(0);
    expect(published.map((r) => r.value).join('\n')).not.toMatch(new RegExp(`${ADMIN_TOKEN}|${REFUSED_TOKEN}`));
    const logs = ingest.logs.join('\n');
    expect(logs).toMatch(/"alert":"shopify-poll-unauthorized"[^\n]*"storeId":"other-store"/);
    expect(logs).not.toMatch(new RegExp(`${ADMIN_TOKEN}|${REFUSED_TOKEN}`));
  });

  it('a new token resumes the paused store', async () => {
    await putStore(OTHER, {
      webhookSecret: SECRET,
      shopDomain: 'other-store.myshopify.com',
      adminApiAccessToken: 'shpat_the_one_shopify_knows',
    });
    await eventually(
      async () => sim.requests.filter((r) => r.shop === 'other-store.myshopify.com' && r.outcome === 'page').length,
      (n) => n >= 2,
      30_000,
    );
    const metrics = await eventually(
      async () => (await fetch(`${ingest.url}/metrics`)).text(),
      (m) => /ingest_shopify_poll_paused_stores(\{[^}]*\})? 0\b/.test(m),
      10_000,
    );
    expect(metrics).toMatch(/ingest_shopify_poll_paused_stores(\{[^}]*\})? 0\b/);
  });
});
