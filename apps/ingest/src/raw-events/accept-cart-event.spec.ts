import fc from 'fast-check';
import { PLATFORM_ADAPTERS } from '../platforms';
import { acceptRawRecord, AcceptContext, RawRecord } from './accept-cart-event';

const now = new Date('2026-11-24T18:10:00Z');
const ctx: AcceptContext = {
  now,
  maxFutureSkewMs: 300_000,
  countryOf: (storeId) => (storeId === 'shop-us' ? 'US' : 'ES'),
  adapters: PLATFORM_ADAPTERS,
};

const valid = {
  schemaVersion: 1,
  eventId: 'evt_7f3a',
  type: 'cart.updated',
  occurredAt: '2026-11-24T18:03:12.123Z',
  storeId: 'lola-shoes',
  cartId: 'c_8812',
  customer: { phone: '+34 600 111 222', firstName: 'Ana', locale: 'es-ES', whatsappOptIn: true },
  items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
  currency: 'eur',
  total: '59.90',
  recoveryUrl: 'https://lola.example/cart/recover/8812',
  orderId: null,
};

function record(value: unknown, headers: Record<string, string> = {}, key: string | null = null): RawRecord {
  const bytes = value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
  return { key: key === null ? null : Buffer.from(key), value: bytes, headers };
}

describe('acceptRawRecord', () => {
  it('accepts the contract example and normalizes it', () => {
    const out = acceptRawRecord(record(valid), ctx);
    expect(out).toMatchObject({ ok: true, value: { event: { currency: 'EUR', customer: { phone: '+34600111222' } } } });
  });

  it('takes consent evidence (contract: channel, state, source, time as RFC 3339) and refuses what is not evidence', () => {
    const consent = [
      {
        channel: 'whatsapp',
        state: 'granted',
        source: 'pos:till-form',
        at: '2026-11-24T19:00:00+01:00',
        wording: 'Sí, por WhatsApp',
        wordingVersion: 'v3',
      },
    ];
    expect(acceptRawRecord(record({ ...valid, consent }), ctx)).toMatchObject({
      ok: true,
      value: { event: { consent: [{ ...consent[0], at: '2026-11-24T18:00:00.000Z' }] } },
    });
    for (const bad of [
      [{ ...consent[0], state: 'maybe' }],
      [{ ...consent[0], channel: 'pigeon' }],
      [{ ...consent[0], at: 'yesterday' }],
      [{ channel: 'sms', state: 'granted' }],
    ])
      expect(acceptRawRecord(record({ ...valid, consent: bad }), ctx)).toMatchObject({
        ok: false,
        reason: 'invalid-shape',
      });
  });

  it('names each rejection reason of the issue', () => {
    const cases: Array<[RawRecord, string]> = [
      [record(Buffer.from('{"eventId":')), 'not-json'],
      [record(null), 'not-json'],
      [record(Buffer.alloc(1024 * 1024 + 1, 0x20)), 'too-large'],
      [record({ ...valid, items: 'none' }), 'invalid-shape'],
      [record({ ...valid, schemaVersion: 2 }), 'unknown-schema-version'],
      [record({ ...valid, type: 'cart.abandoned' }), 'unknown-type'],
      [record({ ...valid, storeId: 'lola shoes' }), 'invalid-id'],
      [record({ ...valid, cartId: 'c/1' }), 'invalid-id'],
      [record({ ...valid, total: 59.9 }), 'invalid-money'],
      [record({ ...valid, total: '59.901' }), 'invalid-money'],
      [record({ ...valid, occurredAt: '2026-11-24T18:16:00Z' }), 'occurred-in-future'],
      [record({ ...valid, occurredAt: 'yesterday' }), 'invalid-time'],
      [record(valid, { source: 'magento' }), 'unknown-source'],
    ];
    for (const [input, reason] of cases) expect(acceptRawRecord(input, ctx)).toMatchObject({ ok: false, reason });
  });

  it('reads national phones in the store country and drops an unreadable phone, keeping the cart', () => {
    const us = acceptRawRecord(record({ ...valid, storeId: 'shop-us', customer: { phone: '415 555 2671' } }), ctx);
    expect(us).toMatchObject({ ok: true, value: { event: { customer: { phone: '+14155552671' } } } });
    const bad = acceptRawRecord(record({ ...valid, customer: { phone: '12', whatsappOptIn: true } }), ctx);
    expect(bad).toMatchObject({ ok: true, value: { phoneProblem: 'invalid-number', event: { cartId: 'c_8812' } } });
  });

  it('passes a native payload through the adapter its source header names, store id from the key', () => {
    const checkout = {
      token: 'abc123',
      updated_at: '2026-11-24T18:00:00Z',
      abandoned_checkout_url: 'https://lola.example/recover/abc123',
      currency: 'EUR',
      total_price: '10.00',
      line_items: [{ sku: 'S', title: 'Sock', price: '10.00', quantity: 1 }],
    };
    const out = acceptRawRecord(record(checkout, { source: 'shopify' }, 'lola-shoes:abc123'), ctx);
    expect(out).toMatchObject({ ok: true, value: { event: { storeId: 'lola-shoes', cartId: 'abc123' } } });
    const order = acceptRawRecord(record({ id: 1, line_items: [] }, { source: 'shopify', 'store-id': 'x' }), ctx);
    expect(order).toMatchObject({ ok: false, reason: 'unknown-type' });
  });

  it('fuzz: arbitrary JSON and mutated valid events never throw and always end as an event or a reason', () => {
    const reasons = new Set([
      'not-json',
      'too-large',
      'invalid-shape',
      'unknown-schema-version',
      'unknown-type',
      'invalid-id',
      'invalid-money',
      'invalid-time',
      'occurred-in-future',
      'unknown-source',
    ]);
    const settles = (r: RawRecord) => {
      const out = acceptRawRecord(r, ctx);
      if (out.ok) expect(out.value.event.storeId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      else expect(reasons).toContain(out.reason);
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 'shopify', 'nope'), (json, source) => {
        settles(record(json, source ? { source } : {}, 'k:1'));
      }),
      { numRuns: 500 },
    );
    const keys = Object.keys(valid);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), fc.boolean(), (key, replacement, drop) => {
        const mutated: Record<string, unknown> = { ...valid };
        if (drop) delete mutated[key];
        else mutated[key] = replacement;
        settles(record(mutated));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.string(), (text) => settles(record(Buffer.from(text)))),
      { numRuns: 300 },
    );
  });
});
