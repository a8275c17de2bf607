import { sendDueContract } from '@lib/contracts';
import type { PlanningSettings } from '../cart-events/abandonment';
import { applyCartEvents, newCart } from '../cart-events/cart-state';
import { closeEpisode, sendDueOf, sendIdOf, triageDue } from './due-cart';

const MIN = 60_000;
const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const settings: PlanningSettings = {
  enabled: true,
  timezone: 'UTC',
  openingHours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
  closedDates: [],
  abandonAfterMinutes: 30,
  sendDelayMinutes: 60,
  maxDeferralHours: 72,
  minHoursBetweenMessages: 24,
};
const alwaysOpen = { settings, optedOut: false, planSend: ({ detectedAt }: { detectedAt: Date }) => detectedAt };

function scheduledCart(cartId = 'c_8812') {
  return applyCartEvents(
    newCart('lola-shoes', cartId),
    [
      {
        schemaVersion: 1,
        eventId: 'e1',
        type: 'checkout.started',
        occurredAt: new Date(T0).toISOString(),
        storeId: 'lola-shoes',
        cartId,
        customer: { phone: '+34600111222', firstName: 'Ana', locale: 'es-ES', whatsappOptIn: true },
        items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
        currency: 'EUR',
        total: '59.90',
        recoveryUrl: 'https://lola.example/cart/recover/8812',
      },
    ],
    alwaysOpen,
  ).state;
}

describe('due carts', () => {
  it('the sendId is the same for the same abandonment, different for the next, and within 200 chars', () => {
    expect(sendIdOf('lola-shoes', 'c_8812', 1)).toBe('lola-shoes:c_8812:1');
    expect(sendIdOf('lola-shoes', 'c_8812', 2)).not.toBe(sendIdOf('lola-shoes', 'c_8812', 1));
    expect(sendIdOf('s'.repeat(64), 'c'.repeat(128), 999_999).length).toBeLessThanOrEqual(200);
  });

  it('emits a valid send-due with the planned times when the contact rules allow', () => {
    const cart = scheduledCart();
    expect(triageDue(cart, settings)).toEqual({ action: 'send', phone: '+34600111222', minHoursBetweenMessages: 24 });
    const now = T0 + 31 * MIN;
    const episode = closeEpisode(cart, { kind: 'contact', verdict: 'granted' }, now);
    expect(episode).toMatchObject({ status: 'emitted', closedAt: now, sendId: 'lola-shoes:c_8812:1' });
    const event = sendDueOf(cart, episode);
    expect(sendDueContract.check(event).ok).toBe(true);
    expect(event).toMatchObject({
      sendId: 'lola-shoes:c_8812:1',
      customer: { phone: '+34600111222', firstName: 'Ana', locale: 'es-ES' },
      detectedAt: new Date(T0 + 30 * MIN).toISOString(),
      dueAt: new Date(T0 + 30 * MIN).toISOString(),
      notAfter: new Date(T0 + 30 * MIN + 72 * 60 * MIN).toISOString(),
      total: '59.90',
    });
  });

  it('skips with the contact verdict, holds when the store went away or was disabled', () => {
    const cart = scheduledCart();
    expect(closeEpisode(cart, { kind: 'contact', verdict: 'frequency-cap' }, T0)).toMatchObject({
      status: 'skipped',
      reason: 'frequency-cap',
      sendId: null,
    });
    expect(closeEpisode(cart, { kind: 'contact', verdict: 'opted-out' }, T0).reason).toBe('opted-out');
    expect(triageDue(cart, undefined)).toMatchObject({ action: 'hold', episode: { status: 'waiting-settings' } });
    expect(triageDue(cart, { ...settings, enabled: false })).toMatchObject({
      action: 'hold',
      episode: { status: 'disabled', dueAt: null },
    });
  });

  it('a granted cart drawn into the holdout closes held-out now, with the sendId its message would have had', () => {
    const cart = scheduledCart();
    const now = cart.episode.dueAt! + 250;
    expect(closeEpisode(cart, { kind: 'contact', verdict: 'granted', arm: 'holdout' }, now)).toMatchObject({
      status: 'held-out',
      reason: null,
      closedAt: now,
      dueAt: cart.episode.dueAt,
      sendId: sendIdOf('lola-shoes', 'c_8812', 1),
    });
    expect(closeEpisode(cart, { kind: 'contact', verdict: 'granted', arm: 'treated' }, now).status).toBe('emitted');
    expect(closeEpisode(cart, { kind: 'contact', verdict: 'granted', arm: null }, now).status).toBe('emitted');
    // A held-out episode is closed: later activity starts the next episode, as after a message.
    const heldOut = {
      ...cart,
      episode: closeEpisode(cart, { kind: 'contact', verdict: 'granted', arm: 'holdout' }, now),
    };
    const next = applyCartEvents(
      heldOut,
      [
        {
          schemaVersion: 1,
          eventId: 'e2',
          type: 'cart.updated',
          occurredAt: new Date(now + MIN).toISOString(),
          storeId: 'lola-shoes',
          cartId: 'c_8812',
        },
      ],
      alwaysOpen,
    ).state;
    expect(next.episode).toMatchObject({ number: 2, status: 'scheduled' });
  });

  it('an expiring cart expires when its timer fires', () => {
    const expiring = { ...scheduledCart(), episode: { ...scheduledCart().episode, status: 'expiring' as const } };
    expect(triageDue(expiring, settings)).toEqual({ action: 'expire' });
    expect(closeEpisode(expiring, { kind: 'expired' }, T0)).toMatchObject({ status: 'expired', closedAt: T0 });
  });
});
