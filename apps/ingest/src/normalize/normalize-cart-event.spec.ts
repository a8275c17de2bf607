import { CartEvent } from '@lib/contracts';
import { normalizeCartEvent, tidyCartEvent } from './normalize-cart-event';

const now = new Date('2026-11-24T18:10:00Z');
const ctx = { now, maxFutureSkewMs: 300_000, defaultCountry: 'ES' };

function event(patch: Partial<CartEvent> = {}): CartEvent {
  return {
    schemaVersion: 1,
    eventId: 'evt_1',
    type: 'cart.updated',
    occurredAt: '2026-11-24T19:03:12.123+01:00',
    storeId: 'lola-shoes',
    cartId: 'c_1',
    customer: { phone: '600 111 222', firstName: 'Ana', whatsappOptIn: true },
    items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.9' }],
    currency: 'EUR',
    total: '59.9',
    ...patch,
  };
}

describe('normalizeCartEvent', () => {
  it('writes occurredAt in UTC, money with the currency digits and the phone in E.164', () => {
    const result = normalizeCartEvent(event(), ctx);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.event.occurredAt).toBe('2026-11-24T18:03:12.123Z');
    expect(result.value.event.total).toBe('59.90');
    expect(result.value.event.items![0].unitPrice).toBe('59.90');
    expect(result.value.event.customer).toEqual({ phone: '+34600111222', firstName: 'Ana', whatsappOptIn: true });
    expect(result.value.phoneProblem).toBeUndefined();
  });

  it('writes consent times in UTC and keeps the rest of the evidence as reported', () => {
    const consent: CartEvent['consent'] = [
      {
        channel: 'sms',
        state: 'granted',
        source: 'shopify:customer.sms_marketing_consent',
        at: '2026-11-20T10:00:00-05:00',
        collectedFrom: 'SHOPIFY',
      },
      { channel: 'email', state: 'withdrawn', source: 'shopify:customer.email_marketing_consent' },
    ];
    const result = normalizeCartEvent(event({ consent }), ctx);
    expect(result).toMatchObject({
      ok: true,
      value: { event: { consent: [{ ...consent[0], at: '2026-11-20T15:00:00.000Z' }, consent[1]] } },
    });
  });

  it('keeps the cart but drops a phone it cannot read, and says why', () => {
    const result = normalizeCartEvent(event({ customer: { phone: 'ask at the till', whatsappOptIn: true } }), ctx);
    expect(result).toMatchObject({ ok: true, value: { phoneProblem: 'unparseable' } });
    if (result.ok) expect(result.value.event.customer).toEqual({ whatsappOptIn: true });
  });

  it('reads a national number in the store country it is given', () => {
    const result = normalizeCartEvent(event({ customer: { phone: '(415) 555-2671' } }), {
      ...ctx,
      defaultCountry: 'US',
    });
    expect(result.ok && result.value.event.customer!.phone).toBe('+14155552671');
  });

  it('rejects an event from more than the allowed skew in the future, accepts one within it', () => {
    const ahead = (ms: number) => event({ occurredAt: new Date(now.getTime() + ms).toISOString() });
    expect(normalizeCartEvent(ahead(300_001), ctx)).toMatchObject({ ok: false, reason: 'occurred-in-future' });
    expect(normalizeCartEvent(ahead(299_000), ctx).ok).toBe(true);
  });

  it('rejects money the currency cannot carry and currencies outside ISO 4217', () => {
    expect(normalizeCartEvent(event({ total: '59.999' }), ctx)).toMatchObject({ ok: false, reason: 'invalid-money' });
    expect(normalizeCartEvent(event({ currency: 'JPY', total: '1200', items: [] }), ctx)).toMatchObject({
      ok: true,
      value: { event: { total: '1200' } },
    });
    expect(normalizeCartEvent(event({ currency: 'JPY' }), ctx)).toMatchObject({ ok: false, reason: 'invalid-money' });
    expect(normalizeCartEvent(event({ currency: 'ABC' }), ctx)).toMatchObject({ ok: false, reason: 'invalid-money' });
  });
});

describe('tidyCartEvent', () => {
  it('trims free text, upper-cases the currency, leaves ids and foreign types alone', () => {
    const tidy = tidyCartEvent({
      eventId: ' e1 ',
      storeId: ' lola',
      currency: ' eur',
      customer: { firstName: '  ', phone: ' 600 ' },
      items: [{ title: ' Zapatillas ', sku: 7 }, null],
    });
    expect(tidy).toEqual({
      eventId: 'e1',
      storeId: ' lola',
      currency: 'EUR',
      customer: { phone: '600' },
      items: [{ title: 'Zapatillas', sku: 7 }, null],
    });
    expect(tidyCartEvent('text')).toBe('text');
    expect(tidyCartEvent(null)).toBeNull();
  });
});
