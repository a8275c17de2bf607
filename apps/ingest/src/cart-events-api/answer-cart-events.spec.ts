import fc from 'fast-check';
import { PLATFORM_ADAPTERS } from '../platforms';
import type { AcceptContext } from '../raw-events/accept-cart-event';
import { answerCartEvents } from './answer-cart-events';

const ctx: AcceptContext = {
  now: new Date('2026-11-24T18:10:00Z'),
  maxFutureSkewMs: 300_000,
  countryOf: () => 'ES',
  adapters: PLATFORM_ADAPTERS,
};

const valid = {
  schemaVersion: 1,
  eventId: 'evt_1',
  type: 'cart.updated',
  occurredAt: '2026-11-24T18:03:12Z',
  storeId: 'lola-shoes',
  cartId: 'c_1',
  items: [{ sku: 'A', title: 'Á', quantity: 1, unitPrice: '1' }],
  currency: 'EUR',
  total: '1',
};

describe('answerCartEvents', () => {
  it('answers one event or up to 500, refusing other bodies as a whole', () => {
    expect(answerCartEvents(valid, ctx, 'out')).toMatchObject({ ok: true, answer: { accepted: 1, rejected: 0 } });
    expect(answerCartEvents([], ctx, 'out').ok).toBe(false);
    expect(answerCartEvents('x', ctx, 'out').ok).toBe(false);
    expect(answerCartEvents(null, ctx, 'out').ok).toBe(false);
    expect(answerCartEvents(Array(501).fill(valid), ctx, 'out').ok).toBe(false);
    const full = answerCartEvents(
      Array.from({ length: 500 }, () => structuredClone(valid)),
      ctx,
      'out',
    );
    expect(full).toMatchObject({ ok: true, answer: { accepted: 500 } });
  });

  it('fuzz: any array of arbitrary or mutated events gets one answer per event and an output per acceptance', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue())
      .map(([key, v]) => ({ ...structuredClone(valid), [key]: v }));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue(), mutated), { minLength: 1, maxLength: 20 }), (events) => {
        const decision = answerCartEvents(events, ctx, 'out');
        if (!decision.ok) throw new Error(decision.error);
        const { answer, outputs } = decision;
        expect(answer.results.map((r) => r.index)).toEqual(events.map((_, i) => i));
        expect(outputs).toHaveLength(answer.accepted);
        expect(answer.accepted + answer.rejected).toBe(events.length);
      }),
      { numRuns: 300 },
    );
  });
});
