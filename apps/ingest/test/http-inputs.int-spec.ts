import { createHmac } from 'node:crypto';
import { TOPIC } from '@lib/contracts';
import { committedVsEnd, eventually, readTopic, testKafka } from '../../../test/support/kafka';
import { IngestUnderTest, startIngest, TEST_API_KEY } from './ingest-app';

const kafka = testKafka();
const SECRET = 'shpss_lola_webhook_secret';
let ingest: IngestUnderTest;

beforeAll(async () => {
  ingest = await startIngest(
    'ingest-http',
    {},
    [],
    [
      // A Portuguese store: national phones in its webhooks are read as PT numbers.
      {
        storeId: 'loja-lisboa',
        settings: { storeId: 'loja-lisboa', defaultCountry: 'PT', shopify: { webhookSecret: SECRET } },
      },
    ],
  );
});

afterAll(async () => {
  await ingest?.close();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function cartEvent(cartId: string, overrides: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    eventId: `evt-${cartId}`,
    type: 'cart.updated',
    occurredAt: minutesAgo(1),
    storeId: 'lola-shoes',
    cartId,
    customer: { phone: '+34 600 111 222', firstName: 'Ana', whatsappOptIn: true },
    items: [{ sku: 'ZAP-42', title: 'Zapatillas', quantity: 1, unitPrice: '59.90' }],
    currency: 'EUR',
    total: '59.90',
    recoveryUrl: `https://lola.example/cart/recover/${cartId}`,
    ...overrides,
  };
}

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${ingest.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const auth = { authorization: `Bearer ${TEST_API_KEY}` };
const endOf = async (topic: string) => (await committedVsEnd(kafka, 'none', topic)).end;

describe('POST /v1/cart-events', () => {
  it('refuses requests without a known API key', async () => {
    expect((await post('/v1/cart-events', JSON.stringify(cartEvent('a0')))).status).toBe(401);
    const wrong = await post('/v1/cart-events', JSON.stringify(cartEvent('a0')), { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
  });

  it('answers per event, in order, and only once accepted events are on cart-events', async () => {
    const out = ingest.topic(TOPIC.cartEvents);
    const before = await endOf(out);
    const batch = [
      cartEvent('h1'),
      cartEvent('h2', { total: '59.999' }),
      cartEvent('h3', { type: 'cart.lost' }),
      cartEvent('h4', { customer: { phone: 'call me', whatsappOptIn: true } }),
      cartEvent('h5', { occurredAt: new Date(Date.now() + 3_600_000).toISOString() }),
    ];
    const res = await post('/v1/cart-events', JSON.stringify(batch), auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accepted: 2,
      rejected: 3,
      results: [
        { index: 0, eventId: 'evt-h1', status: 'accepted', key: 'lola-shoes:h1' },
        { index: 1, eventId: 'evt-h2', status: 'rejected', reason: 'invalid-money', error: expect.any(String) },
        { index: 2, eventId: 'evt-h3', status: 'rejected', reason: 'unknown-type', error: expect.any(String) },
        { index: 3, eventId: 'evt-h4', status: 'accepted', key: 'lola-shoes:h4', phoneProblem: 'unparseable' },
        { index: 4, eventId: 'evt-h5', status: 'rejected', reason: 'occurred-in-future', error: expect.any(String) },
      ],
    });
    // Acknowledged before the answer: the records are already below the partitions' ends.
    expect(await endOf(out)).toBe(before + 2);
    const records = await readTopic(kafka, out, before + 2);
    const h4 = records.find((r) => r.key === 'lola-shoes:h4')!;
    expect(JSON.parse(h4.value!).customer).toEqual({ whatsappOptIn: true });
  });

  it('takes a single event, and answers 422 when nothing in the request was accepted', async () => {
    const one = await post('/v1/cart-events', JSON.stringify(cartEvent('s1')), auth);
    expect(one).toEqual({
      status: 200,
      body: {
        accepted: 1,
        rejected: 0,
        results: [{ index: 0, eventId: 'evt-s1', status: 'accepted', key: 'lola-shoes:s1' }],
      },
    });
    const bad = await post('/v1/cart-events', JSON.stringify(cartEvent('s/2')), auth);
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ accepted: 0, rejected: 1, results: [{ reason: 'invalid-id' }] });
  });

  it('takes 500 events at once, refuses 501, empty arrays, non-objects and broken JSON', async () => {
    const out = ingest.topic(TOPIC.cartEvents);
    const before = await endOf(out);
    const full = Array.from({ length: 500 }, (_, i) => cartEvent(`b${i}`));
    const res = await post('/v1/cart-events', JSON.stringify(full), auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 500, rejected: 0 });
    expect(await endOf(out)).toBe(before + 500);

    const tooMany = Array.from({ length: 501 }, (_, i) => cartEvent(`t${i}`));
    expect((await post('/v1/cart-events', JSON.stringify(tooMany), auth)).status).toBe(400);
    expect((await post('/v1/cart-events', '[]', auth)).status).toBe(400);
    expect((await post('/v1/cart-events', '"cart"', auth)).status).toBe(400);
    expect((await post('/v1/cart-events', '{"eventId": ', auth)).status).toBe(400);
    expect(await endOf(out)).toBe(before + 500);
  });
});

describe('POST /v1/webhooks/shopify/{storeId}', () => {
  const checkout = {
    id: 450789469,
    token: 'b1946ac92492d2347c6235b4d2611184',
    created_at: '2026-11-24T18:00:00-05:00',
    updated_at: minutesAgo(4),
    completed_at: null,
    currency: 'EUR',
    customer_locale: 'pt-PT',
    phone: '912 345 678',
    line_items: [{ sku: 'PAS-1', title: 'Pastel de nata', price: '1.5', quantity: 6 }],
    total_price: '9.00',
    abandoned_checkout_url: 'https://loja.example/checkouts/b1946ac9/recover?key=k',
    customer: { first_name: 'João', sms_marketing_consent: { state: 'subscribed' } },
  };
  // Signed as sent, with Shopify's own spacing: a re-serialized body would not match.
  const body = JSON.stringify(checkout, null, 1);
  const sign = (raw: string, secret = SECRET) => createHmac('sha256', secret).update(raw).digest('base64');
  const path = '/v1/webhooks/shopify/loja-lisboa';
  const topicHeaders = { 'x-shopify-topic': 'checkouts/update', 'x-shopify-webhook-id': 'wh-1' };

  it('takes a delivery signed with the store secret and turns it into a normalized cart event', async () => {
    const res = await post(path, body, { ...topicHeaders, 'x-shopify-hmac-sha256': sign(body) });
    expect(res).toEqual({ status: 200, body: { status: 'received' } });
    const out = ingest.topic(TOPIC.cartEvents);
    const key = `loja-lisboa:${checkout.token}`;
    const records = await eventually(
      () => readTopic(kafka, out, 10_000, 3000),
      (rs) => rs.some((r) => r.key === key),
      30_000,
    );
    const event = JSON.parse(records.find((r) => r.key === key)!.value!);
    expect(event).toMatchObject({
      type: 'checkout.started',
      storeId: 'loja-lisboa',
      cartId: checkout.token,
      customer: { phone: '+351912345678', firstName: 'João', whatsappOptIn: true },
      items: [{ sku: 'PAS-1', unitPrice: '1.50', quantity: 6 }],
      total: '9.00',
      recoveryUrl: checkout.abandoned_checkout_url,
    });
    const [raw] = await readTopic(kafka, ingest.topic(TOPIC.cartEventsRaw), 1);
    expect(raw.value).toBe(body); // the bytes as Shopify sent them
    expect(raw.headers).toMatchObject({ source: 'shopify', 'store-id': 'loja-lisboa', 'platform-delivery-id': 'wh-1' });
  });

  it('maps an order naming the checkout token to cart.converted', async () => {
    const order = {
      id: 820982911946154500,
      admin_graphql_api_id: 'gid://shopify/Order/820982911946154508',
      checkout_token: checkout.token,
      processed_at: minutesAgo(1),
      currency: 'EUR',
      total_price: '9.00',
      line_items: checkout.line_items,
    };
    const raw = JSON.stringify(order);
    const res = await post(path, raw, { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': sign(raw) });
    expect(res.status).toBe(200);
    const key = `loja-lisboa:${checkout.token}`;
    const records = await eventually(
      () => readTopic(kafka, ingest.topic(TOPIC.cartEvents), 10_000, 3000),
      (rs) => rs.some((r) => r.key === key && JSON.parse(r.value!).type === 'cart.converted'),
      30_000,
    );
    const converted = records.map((r) => JSON.parse(r.value!)).find((e) => e.type === 'cart.converted');
    expect(converted).toMatchObject({ orderId: '820982911946154508', cartId: checkout.token });
  });

  it('refuses a wrong or missing signature, a body changed after signing, and stores without a secret', async () => {
    const rawTopic = ingest.topic(TOPIC.cartEventsRaw);
    const before = await endOf(rawTopic);
    const bad = await post(path, body, { ...topicHeaders, 'x-shopify-hmac-sha256': sign(body, 'other-secret') });
    expect(bad.status).toBe(401);
    const missing = await post(path, body, topicHeaders);
    expect(missing.status).toBe(401);
    expect(String(missing.body.message)).toMatch(/missing/);
    const reserialized = JSON.stringify(checkout);
    const changed = await post(path, reserialized, { ...topicHeaders, 'x-shopify-hmac-sha256': sign(body) });
    expect(changed.status).toBe(401);
    const unknownStore = await post('/v1/webhooks/shopify/nobody', body, {
      ...topicHeaders,
      'x-shopify-hmac-sha256': sign(body),
    });
    expect(unknownStore.status).toBe(401);
    expect((await post('/v1/webhooks/magento/loja-lisboa', body, topicHeaders)).status).toBe(404);
    expect(await endOf(rawTopic)).toBe(before);
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(metrics).toMatch(/ingest_webhook_refusals_total\{platform="shopify",check="invalid"[^}]*\} 2/);
    expect(metrics).toMatch(/ingest_webhook_refusals_total\{platform="shopify",check="missing"[^}]*\} 1/);
    expect(ingest.logs.join('')).not.toContain(SECRET);
  });

  it('answers 200 without keeping a topic that carries no cart event', async () => {
    const raw = JSON.stringify({ id: 1 });
    const res = await post(path, raw, { 'x-shopify-topic': 'products/update', 'x-shopify-hmac-sha256': sign(raw) });
    expect(res).toEqual({
      status: 200,
      body: { status: 'ignored', reason: expect.stringMatching(/products\/update/) },
    });
  });
});
