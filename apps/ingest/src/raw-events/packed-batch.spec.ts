import fc from 'fast-check';
import type { ConsumedRecord } from '@lib/kafka';
import { PLATFORM_ADAPTERS } from '../platforms';
import type { AcceptContext } from './accept-cart-event';
import { decideBatch } from './decide-batch';
import { decidePacked, packBatch, unpackVerdict } from './packed-batch';

const ctx: AcceptContext = {
  now: new Date('2026-11-24T18:10:00Z'),
  maxFutureSkewMs: 300_000,
  countryOf: (storeId) => (storeId === 'us' ? 'US' : 'ES'),
  adapters: PLATFORM_ADAPTERS,
};

const event = (cartId: string, storeId: string, phone: string) =>
  JSON.stringify({
    schemaVersion: 1,
    eventId: `e-${cartId}`,
    type: 'cart.updated',
    occurredAt: '2026-11-24T18:00:00Z',
    storeId,
    cartId,
    customer: { phone, firstName: 'Zoë 👟' },
    items: [{ sku: 'A', title: 'Crème', quantity: 1, unitPrice: '1.5' }],
    currency: 'eur',
    total: '1.5',
  });

describe('packed batches (what crosses to a decision worker)', () => {
  it('decide exactly as decideBatch does, keys, bytes, order, dead letters and phone counts', () => {
    const value = fc.oneof(
      fc
        .tuple(
          fc.stringMatching(/^[a-z0-9]{1,8}$/),
          fc.constantFrom('us', 'lola'),
          fc.constantFrom('415 555 2671', '600 111 222', '12', 'x'),
        )
        .map(([c, s, p]) => Buffer.from(event(c, s, p))),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.uint8Array({ maxLength: 50 }).map((b) => Buffer.from(b)),
      fc.constant(null),
    );
    const record = fc.tuple(
      value,
      fc.option(fc.string({ maxLength: 12 })),
      fc.constantFrom<Record<string, string>>({}, { source: 'shopify' }, { other: 'h' }),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 25 }), (inputs) => {
        const records: ConsumedRecord[] = inputs.map(([v, key, headers], i) => ({
          topic: 'raw',
          partition: 2,
          offset: String(100 + i),
          key: key === null ? null : Buffer.from(key),
          value: v,
          headers,
          timestamp: '0',
        }));
        const direct = decideBatch(records, ctx, 'out');
        const packed = unpackVerdict(decidePacked(packBatch(records, ctx, 'out'), ctx.countryOf), records, 'out');
        expect(packed.outputs.map((o) => [o.key, String(o.value)])).toEqual(
          direct.outputs.map((o) => [o.key, o.value]),
        );
        expect(packed.deadLetters).toEqual(direct.deadLetters);
        expect(packed.unreachable).toEqual(direct.unreachable);
      }),
      { numRuns: 300 },
    );
  });
});
