import type { CartEvent, Consent } from '@lib/contracts';
import { latestConsents, replacesConsent, whatsappConsentOf, withdrawsConsent } from './index';

const T0 = '2026-11-24T10:00:00.000Z';

function event(consent: Consent[] | undefined, patch: Partial<CartEvent> = {}): CartEvent {
  return {
    schemaVersion: 1,
    eventId: 'e-1',
    type: 'checkout.started',
    occurredAt: T0,
    storeId: 'lola-shoes',
    cartId: 'c-1',
    customer: { phone: '+34600111222', whatsappOptIn: true },
    consent,
    ...patch,
  };
}

const sms = (state: Consent['state'], at?: string): Consent => ({
  channel: 'sms',
  state,
  source: 'shopify:customer.sms_marketing_consent',
  ...(at ? { at } : {}),
});

describe('consent evidence', () => {
  it('a whatsapp record counts before an sms one; email never counts', () => {
    const whatsapp: Consent = {
      channel: 'whatsapp',
      state: 'granted',
      source: 'store:checkout-box',
      wordingVersion: 'v3',
    };
    expect(whatsappConsentOf(event([sms('withdrawn'), whatsapp]))).toMatchObject({
      channel: 'whatsapp',
      state: 'granted',
      wordingVersion: 'v3',
    });
    expect(whatsappConsentOf(event([sms('granted')]))).toMatchObject({ channel: 'sms', state: 'granted' });
    expect(whatsappConsentOf(event([{ channel: 'email', state: 'withdrawn', source: 'shopify:x' }]))).toBeNull();
  });

  it('needs a phone and a record; its time is the record’s, else the event’s', () => {
    expect(whatsappConsentOf(event(undefined))).toBeNull();
    expect(whatsappConsentOf(event([]))).toBeNull();
    expect(whatsappConsentOf(event([sms('granted')], { customer: { firstName: 'Ana' } }))).toBeNull();
    expect(whatsappConsentOf(event([sms('granted')]))!.at.toISOString()).toBe(T0);
    expect(whatsappConsentOf(event([sms('granted', '2026-01-02T03:04:05.000Z')]))!.at.toISOString()).toBe(
      '2026-01-02T03:04:05.000Z',
    );
    expect(whatsappConsentOf(event([sms('granted')]))).toMatchObject({
      storeId: 'lola-shoes',
      phone: '+34600111222',
      eventId: 'e-1',
      collectedFrom: null,
    });
  });

  it('the later record wins; on a tie a withdrawal wins; a redelivery changes nothing', () => {
    const granted = whatsappConsentOf(event([sms('granted', '2026-11-01T00:00:00.000Z')]))!;
    const withdrawn = whatsappConsentOf(event([sms('withdrawn', '2026-11-02T00:00:00.000Z')]))!;
    expect(replacesConsent(undefined, granted)).toBe(true);
    expect(replacesConsent(granted, withdrawn)).toBe(true);
    expect(replacesConsent(withdrawn, granted)).toBe(false); // an older grant arriving late
    const sameTimeWithdrawn = { ...granted, state: 'withdrawn' as const };
    expect(replacesConsent(granted, sameTimeWithdrawn)).toBe(true);
    expect(replacesConsent(sameTimeWithdrawn, granted)).toBe(false);
    expect(replacesConsent(granted, { ...granted })).toBe(false);
    expect(withdrawsConsent(withdrawn)).toBe(true);
    expect(withdrawsConsent(granted)).toBe(false);
  });

  it('keeps the latest record per shopper of a batch, whatever the order the events came in', () => {
    const events = [
      event([sms('withdrawn', '2026-11-03T00:00:00.000Z')], { eventId: 'late' }),
      event([sms('granted', '2026-11-01T00:00:00.000Z')], { eventId: 'early' }),
      event([sms('granted')], { eventId: 'other', customer: { phone: '+34600999888' } }),
      event([sms('granted')], { eventId: 'other-store', storeId: 'pepe-bikes' }),
    ];
    const latest = latestConsents(events);
    expect([...latest.values()].map((r) => [r.storeId, r.phone, r.eventId, r.state])).toEqual([
      ['lola-shoes', '+34600111222', 'late', 'withdrawn'],
      ['lola-shoes', '+34600999888', 'other', 'granted'],
      ['pepe-bikes', '+34600111222', 'other-store', 'granted'],
    ]);
    expect(latestConsents([...events].reverse()).get(latest.keys().next().value!)!.eventId).toBe('late');
  });
});
