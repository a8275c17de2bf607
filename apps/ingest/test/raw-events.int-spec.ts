import { cartKey, DLQ_HEADER, TOPIC } from '@lib/contracts';
import { committedVsEnd, eventually, readTopic, testKafka } from '../../../test/support/kafka';
import { IngestUnderTest, startIngest } from './ingest-app';

const kafka = testKafka();
let ingest: IngestUnderTest;
let raw: string;
let out: string;
let dlq: string;
const EXTRA = 'partner-cart-events';

beforeAll(async () => {
  ingest = await startIngest('ingest-raw', { INGEST_EXTRA_SOURCE_TOPICS: EXTRA }, [EXTRA]);
  raw = ingest.topic(TOPIC.cartEventsRaw);
  out = ingest.topic(TOPIC.cartEvents);
  dlq = `${raw}-dlq`;
  // A value over 1 MiB must reach ingest (and its DLQ) to be rejected as too large.
  const admin = kafka.admin();
  await admin.connect();
  await admin.alterConfigs({
    validateOnly: false,
    resources: [raw, dlq].map((name) => ({
      type: 2, // TOPIC
      name,
      configEntries: [{ name: 'max.message.bytes', value: String(3 * 1024 * 1024) }],
    })),
  });
  await admin.disconnect();
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
    occurredAt: minutesAgo(2),
    storeId: 'lola-shoes',
    cartId,
    customer: { phone: '600 111 222', firstName: ' Ana ', whatsappOptIn: true },
    items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola ñ 👟', quantity: 1, unitPrice: '59.9' }],
    currency: 'eur',
    total: '59.9',
    recoveryUrl: `https://lola.example/cart/recover/${cartId}`,
    ...overrides,
  };
}

async function produce(
  topic: string,
  messages: Array<{ key?: string | null; value: string | Buffer; headers?: Record<string, string> }>,
) {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < messages.length; i += 2000) {
    await producer.send({ topic, messages: messages.slice(i, i + 2000) });
  }
  await producer.disconnect();
}

async function endOf(topic: string): Promise<number> {
  return (await committedVsEnd(kafka, 'none', topic)).end;
}

describe('ingest: cart-events-raw → cart-events or the DLQ', () => {
  it('rejects every reason to cart-events-raw-dlq with the original bytes, key and DLQ headers', async () => {
    const cases: Array<{
      reason: string;
      key: string | null;
      value: string | Buffer;
      headers?: Record<string, string>;
    }> = [
      { reason: 'not-json', key: 'lola-shoes:r1', value: '{"eventId": ' },
      { reason: 'too-large', key: 'lola-shoes:r2', value: Buffer.alloc(1024 * 1024 + 10, 0x20) },
      { reason: 'invalid-shape', key: 'lola-shoes:r3', value: JSON.stringify(cartEvent('r3', { items: 'none' })) },
      {
        reason: 'unknown-schema-version',
        key: null,
        value: JSON.stringify(cartEvent('r4', { schemaVersion: 2 })),
      },
      { reason: 'unknown-type', key: null, value: JSON.stringify(cartEvent('r5', { type: 'cart.abandoned' })) },
      { reason: 'invalid-id', key: null, value: JSON.stringify(cartEvent('r/6')) },
      { reason: 'invalid-id', key: null, value: JSON.stringify(cartEvent('r7', { storeId: 'lola shoes' })) },
      { reason: 'invalid-money', key: null, value: JSON.stringify(cartEvent('r8', { total: 59.9 })) },
      { reason: 'invalid-money', key: null, value: JSON.stringify(cartEvent('r9', { total: '59.901' })) },
      { reason: 'invalid-time', key: null, value: JSON.stringify(cartEvent('r10', { occurredAt: 'yesterday' })) },
      {
        reason: 'occurred-in-future',
        key: null,
        value: JSON.stringify(cartEvent('r11', { occurredAt: new Date(Date.now() + 6 * 60_000).toISOString() })),
      },
      {
        reason: 'unknown-source',
        key: 'lola-shoes:r12',
        value: JSON.stringify({ id: 12 }),
        headers: { source: 'magento' },
      },
    ];
    await produce(
      raw,
      cases.map((c) => ({ key: c.key, value: c.value, headers: { 'x-case': c.reason, ...c.headers } })),
    );
    const dead = await readTopic(kafka, dlq, cases.length, 60_000);
    expect(dead).toHaveLength(cases.length);
    const byCase = new Map(dead.map((d) => [d.key === null ? d.value!.slice(0, 400) : d.key, d]));
    for (const c of cases) {
      const d = byCase.get(c.key ?? String(c.value).slice(0, 400))!;
      expect(d).toBeDefined();
      expect(d.headers[DLQ_HEADER.reason]).toBe(c.reason);
      expect(d.headers[DLQ_HEADER.error]).not.toBe('');
      expect(d.headers[DLQ_HEADER.sourceTopic]).toBe(raw);
      expect(Number(d.headers[DLQ_HEADER.sourcePartition])).toBeGreaterThanOrEqual(0);
      expect(d.headers[DLQ_HEADER.sourceOffset]).toMatch(/^\d+$/);
      expect(d.headers['x-case']).toBe(c.reason); // the record's own headers travel along
      expect(Buffer.from(d.value!).equals(Buffer.from(c.value))).toBe(true);
    }
    // Nothing of these reached cart-events.
    expect(await endOf(out)).toBe(0);
  });

  it('keeps a cart whose phone cannot be normalized, without a reachable customer, and counts it', async () => {
    await produce(raw, [
      { value: JSON.stringify(cartEvent('p1', { customer: { phone: '12', firstName: 'Ana', whatsappOptIn: true } })) },
      { key: 'lola-shoes:p2', value: JSON.stringify(cartEvent('p2')) },
    ]);
    const records = await readTopic(kafka, out, 2, 60_000);
    const events = new Map(records.map((r) => [r.key, JSON.parse(r.value!)]));
    const lost = events.get(cartKey('lola-shoes', 'p1'));
    expect(lost.customer).toEqual({ firstName: 'Ana', whatsappOptIn: true });
    const kept = events.get(cartKey('lola-shoes', 'p2'));
    expect(kept).toMatchObject({
      currency: 'EUR',
      total: '59.90',
      customer: { phone: '+34600111222', firstName: 'Ana' },
      items: [{ unitPrice: '59.90', title: 'Zapatillas Lola ñ 👟' }],
    });
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(metrics).toMatch(/ingest_unreachable_customers_total\{reason="invalid-number"[^}]*\} 1/);
  });

  it('reads the configured extra source topics and a Shopify payload named by the source header', async () => {
    const checkout = {
      token: 'chk-1',
      updated_at: minutesAgo(3),
      abandoned_checkout_url: 'https://lola.example/recover/chk-1',
      currency: 'EUR',
      total_price: '10.00',
      line_items: [{ sku: 'S', title: 'Sock', price: '10.00', quantity: 1 }],
    };
    const before = await endOf(out);
    await produce(ingest.topic(EXTRA), [
      { value: JSON.stringify(cartEvent('x1')) },
      {
        value: JSON.stringify(checkout),
        headers: { source: 'shopify', 'store-id': 'lola-shoes', 'platform-topic': 'checkouts/update' },
      },
    ]);
    await eventually(
      () => endOf(out),
      (n) => n >= before + 2,
    );
    const all = await readTopic(kafka, out, before + 2, 60_000);
    const keys = all.map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining(['lola-shoes:x1', 'lola-shoes:chk-1']));
    const shopifyEvent = JSON.parse(all.find((r) => r.key === 'lola-shoes:chk-1')!.value!);
    expect(shopifyEvent).toMatchObject({ type: 'checkout.started', total: '10.00', cartId: 'chk-1' });
  });

  it('keeps going through 1,000 poison records mixed into 10,000 good ones: good out + DLQ = in', async () => {
    const outBefore = await endOf(out);
    const dlqBefore = await endOf(dlq);
    const messages = [];
    const poisons = [
      () => '{"broken": ',
      () => JSON.stringify({ hello: 'world' }),
      () => JSON.stringify(cartEvent('bad', { total: 1.5 })),
      () => JSON.stringify([1, 2, 3]),
      () => 'null',
    ];
    for (let i = 0; i < 11_000; i++) {
      const poison = i % 11 === 5;
      messages.push(
        poison
          ? { key: `lola-shoes:m${i}`, value: poisons[i % poisons.length]() }
          : { key: i % 2 ? null : `lola-shoes:m${i}`, value: JSON.stringify(cartEvent(`m${i}`)) },
      );
    }
    await produce(raw, messages);
    const rawEnd = await endOf(raw);
    const offsets = await eventually(
      () => committedVsEnd(kafka, ingest.groupId, raw),
      (o) => o.committed === rawEnd,
      120_000,
    );
    expect(offsets).toEqual({ committed: rawEnd, end: rawEnd });
    const goodOut = (await endOf(out)) - outBefore;
    const dead = (await endOf(dlq)) - dlqBefore;
    expect(dead).toBe(1000);
    expect(goodOut).toBe(10_000);
    expect(goodOut + dead).toBe(messages.length);
  });
});
