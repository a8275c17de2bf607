import fc from 'fast-check';
import type { ConsumedRecord } from '@lib/kafka';
import { PLATFORM_ADAPTERS } from '../platforms';
import type { AcceptContext } from './accept-cart-event';
import { decideBatch } from './decide-batch';

const ctx: AcceptContext = {
  now: new Date('2026-11-24T18:10:00Z'),
  maxFutureSkewMs: 300_000,
  countryOf: () => 'ES',
  adapters: PLATFORM_ADAPTERS,
};

const valid = {
  schemaVersion: 1,
  eventId: 'evt_7f3a',
  type: 'checkout.started',
  occurredAt: '2026-11-24T19:03:12.123+01:00',
  storeId: 'lola-shoes',
  cartId: 'c_8812',
  customer: { phone: '+34 600 111 222', firstName: 'Ana', locale: 'es-ES', whatsappOptIn: true },
  items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 2, unitPrice: '59.9' }],
  currency: 'EUR',
  total: '119.8',
  recoveryUrl: 'https://lola.example/cart/recover/8812',
  orderId: null,
};

function consumed(value: Buffer | null, offset: number, headers: Record<string, string> = {}): ConsumedRecord {
  return { topic: 'cart-events-raw', partition: 0, offset: String(offset), key: null, value, headers, timestamp: '0' };
}

describe('decideBatch', () => {
  it('keys outputs by cart, whatever the record key was, and writes the normalized event', () => {
    const { outputs, deadLetters } = decideBatch(
      [consumed(Buffer.from(JSON.stringify(valid)), 0), consumed(Buffer.from('nope'), 1)],
      ctx,
      'cart-events',
    );
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ topic: 'cart-events', key: 'lola-shoes:c_8812' });
    expect(JSON.parse(outputs[0].value as string)).toMatchObject({
      occurredAt: '2026-11-24T18:03:12.123Z',
      total: '119.80',
      customer: { phone: '+34600111222' },
    });
    expect(deadLetters).toEqual([expect.objectContaining({ reason: 'not-json', record: expect.anything() })]);
  });

  it('fuzz: any batch of arbitrary JSON, mutated events and bytes ends record for record as output or DLQ', () => {
    const keys = Object.keys(valid);
    const mutated = fc.tuple(fc.constantFrom(...keys), fc.jsonValue(), fc.boolean()).map(([key, replacement, drop]) => {
      const event: Record<string, unknown> = structuredClone(valid);
      if (drop) delete event[key];
      else event[key] = replacement;
      return Buffer.from(JSON.stringify(event));
    });
    const nested = fc.tuple(fc.constantFrom('customer', 'items'), fc.jsonValue()).map(([key, replacement]) => {
      const event: Record<string, unknown> = structuredClone(valid);
      if (key === 'customer') event.customer = { ...valid.customer, phone: replacement };
      else event.items = [{ ...valid.items[0], unitPrice: replacement }];
      return Buffer.from(JSON.stringify(event));
    });
    const anyJson = fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null'));
    const anyBytes = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b));
    const value = fc.oneof(mutated, nested, anyJson, anyBytes, fc.constant(null));
    const source = fc.constantFrom<Record<string, string>>({}, { source: 'shopify' }, { source: 'other' });
    fc.assert(
      fc.property(fc.array(fc.tuple(value, source), { maxLength: 30 }), (inputs) => {
        const records = inputs.map(([v, headers], i) => consumed(v, i, headers));
        const { outputs, deadLetters } = decideBatch(records, ctx, 'cart-events');
        expect(outputs.length + deadLetters.length).toBe(records.length);
        const dead = new Set(deadLetters.map((d) => d.record));
        expect(dead.size).toBe(deadLetters.length);
        for (const o of outputs) expect(o.key).toMatch(/^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9._:-]{1,128}$/);
      }),
      { numRuns: 400 },
    );
  });
});
