import { createHmac } from 'node:crypto';
import { allTopics, TOPIC } from '@lib/contracts';
import { createTopics, eventually, readTopic, testKafka, uniquePrefix } from '../support/kafka';
import { RunningService, startService } from '../support/services';

// The built service (dist/, decision worker thread included) through its three doors:
// admin API, HTTP events and a signed Shopify webhook, as runService serves them.
const kafka = testKafka();
const API_KEY = 'e2e-platform-key-0123456789';
const SECRET = 'shpss_e2e_webhook_secret';
let ingest: RunningService;
let prefix: string;

beforeAll(async () => {
  prefix = uniquePrefix('ingest-e2e');
  await createTopics(
    kafka,
    allTopics(prefix).map((t) => t.name),
  );
  ingest = await startService('ingest', {
    TOPIC_PREFIX: prefix,
    DATABASE_SCHEMA: `ingest_${prefix.replace(/[^a-z0-9]/g, '_')}`,
    INGEST_GROUP_ID: `${prefix}ingest`,
    API_KEYS: API_KEY,
  });
  await ingest.waitUntil((h) => h.status === 200);
});

afterAll(async () => {
  await ingest?.stop('SIGTERM');
});

const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
const week = { mon: [['00:00', '24:00']], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };

describe('ingest as a process', () => {
  it('takes store settings, HTTP events and a signed Shopify webhook to cart-events', async () => {
    const put = await fetch(`${ingest.url}/v1/stores/loja`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({
        name: 'Loja',
        timezone: 'Europe/Lisbon',
        defaultCountry: 'PT',
        locale: 'es',
        openingHours: week,
        whatsapp: { phoneNumberId: '106540352242922', accessToken: 'EAAG-e2e-token-000', mode: 'text' },
        shopify: { webhookSecret: SECRET },
      }),
    });
    expect(put.status).toBe(201);
    expect(await put.text()).not.toContain(SECRET);

    const events = await fetch(`${ingest.url}/v1/cart-events`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify([
        {
          schemaVersion: 1,
          eventId: 'e-1',
          type: 'cart.updated',
          occurredAt: new Date(Date.now() - 60_000).toISOString(),
          storeId: 'loja',
          cartId: 'http-1',
          customer: { phone: '912 345 678', whatsappOptIn: true },
          currency: 'eur',
          total: '3',
        },
        { schemaVersion: 1, eventId: 'e-2', type: 'nope' },
      ]),
    });
    expect(events.status).toBe(200);
    expect(await events.json()).toMatchObject({ accepted: 1, rejected: 1 });

    const body = JSON.stringify({
      token: 'tok-e2e',
      updated_at: new Date(Date.now() - 30_000).toISOString(),
      currency: 'EUR',
      total_price: '5.00',
      abandoned_checkout_url: 'https://loja.example/recover/tok-e2e',
      line_items: [{ sku: 'P', title: 'Pastel', price: '5.00', quantity: 1 }],
    });
    const signature = createHmac('sha256', SECRET).update(body).digest('base64');
    // The store directory follows store-settings: the secret arrives a moment after the PUT.
    const webhook = await eventually(
      () =>
        fetch(`${ingest.url}/v1/webhooks/shopify/loja`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-shopify-topic': 'checkouts/update',
            'x-shopify-hmac-sha256': signature,
          },
          body,
        }),
      (r) => r.status === 200,
    );
    expect(webhook.status).toBe(200);
    const unsigned = await fetch(`${ingest.url}/v1/webhooks/shopify/loja`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'checkouts/update' },
      body,
    });
    expect(unsigned.status).toBe(401);

    const out = await readTopic(kafka, `${prefix}${TOPIC.cartEvents}`, 2, 60_000);
    const byKey = new Map(out.map((r) => [r.key, JSON.parse(r.value!)]));
    expect(byKey.get('loja:http-1')).toMatchObject({
      currency: 'EUR',
      total: '3.00',
      customer: { phone: '+351912345678' },
    });
    expect(byKey.get('loja:tok-e2e')).toMatchObject({ type: 'checkout.started', total: '5.00' });
    expect(ingest.logs.join('\n')).not.toMatch(/EAAG-e2e-token-000|shpss_e2e_webhook_secret/);
  });
});
