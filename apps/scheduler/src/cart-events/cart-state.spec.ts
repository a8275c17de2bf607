import fc from 'fast-check';
import type { CartEvent, CartEventType } from '@lib/contracts';
import { Episode, PlanContext, PlanningSettings, PlanSend, timerOf } from './abandonment';
import { applyCartEvents, CartState, newCart, replanCart } from './cart-state';

/** One event at a time, as a cart sees them when each comes in its own batch. */
const applyOne = (state: CartState, e: CartEvent, c: PlanContext) => applyCartEvents(state, [e], c).state;

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-11-24T10:00:00.000Z');

/**
 * A stand-in for `planSend` with the contract's shape: open every day 09:00–21:00 UTC except
 * the dates listed, null past maxDeferralHours. The real one is tested in its own lib.
 */
const planSend: PlanSend = ({ detectedAt, sendDelayMinutes, maxDeferralHours, closedDates }) => {
  let t = detectedAt.getTime() + sendDelayMinutes * MIN;
  for (let i = 0; i < 24 * 30; i++) {
    const d = new Date(t);
    const open =
      d.getUTCHours() >= 9 && d.getUTCHours() < 21 && !(closedDates ?? []).includes(d.toISOString().slice(0, 10));
    if (open) return t - detectedAt.getTime() > maxDeferralHours * HOUR ? null : d;
    t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
  }
  return null;
};

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
const ctx: PlanContext = { settings, optedOut: false, planSend };

let seq = 0;
function event(type: CartEventType, at: number, patch: Partial<CartEvent> = {}): CartEvent {
  return {
    schemaVersion: 1,
    eventId: `e${++seq}`,
    type,
    occurredAt: new Date(at).toISOString(),
    storeId: 'lola-shoes',
    cartId: 'c1',
    ...(type === 'cart.updated' || type === 'checkout.started'
      ? {
          customer: { phone: '+34600111222', firstName: 'Ana', locale: 'es-ES', whatsappOptIn: true },
          items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
          currency: 'EUR',
          total: '59.90',
          recoveryUrl: 'https://lola.example/cart/recover/1',
        }
      : {}),
    ...patch,
  } as CartEvent;
}

const fold = (events: CartEvent[], from: CartState = newCart('lola-shoes', 'c1'), c = ctx) =>
  events.reduce((s, e) => applyOne(s, e, c), from);

describe('cart abandonment rules', () => {
  it('detects abandonment abandonAfterMinutes after the last activity and plans the send with planSend', () => {
    const s = fold([event('cart.updated', T0)]);
    expect(s.episode).toMatchObject({
      number: 1,
      status: 'scheduled',
      detectedAt: T0 + 30 * MIN,
      dueAt: T0 + 90 * MIN,
      notAfter: T0 + 30 * MIN + 72 * HOUR,
    });
    expect(timerOf(s.episode)).toEqual({ at: T0 + 90 * MIN, kind: 'send' });
  });

  it('defers to the next opening and expires when none comes within maxDeferralHours', () => {
    const evening = Date.parse('2026-11-24T20:00:00.000Z');
    expect(fold([event('cart.updated', evening)]).episode.dueAt).toBe(Date.parse('2026-11-25T09:00:00.000Z'));
    const closedForDays = { ...settings, closedDates: ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'] };
    const s = fold([event('cart.updated', evening)], undefined, { ...ctx, settings: closedForDays });
    expect(s.episode).toMatchObject({ status: 'expiring', detectedAt: evening + 30 * MIN, dueAt: null });
    expect(timerOf(s.episode)).toEqual({ at: evening + 30 * MIN, kind: 'expire' });
  });

  it('needs items, an E.164 phone with opt-in and a recovery link', () => {
    const cases: Array<[Partial<CartEvent>, string]> = [
      [{ items: [] }, 'no-items'],
      [{ customer: undefined }, 'no-reachable-customer'],
      [{ customer: { phone: '600111222', whatsappOptIn: true } }, 'no-reachable-customer'],
      [{ customer: { phone: '+34600111222', whatsappOptIn: false } }, 'no-reachable-customer'],
      [{ recoveryUrl: undefined }, 'no-recovery-url'],
    ];
    for (const [patch, reason] of cases) {
      const s = fold([event('cart.updated', T0, patch)]);
      expect(s.episode).toMatchObject({ status: 'idle', reason });
      expect(timerOf(s.episode)).toBeNull();
    }
    expect(fold([event('cart.updated', T0)], undefined, { ...ctx, optedOut: true }).episode).toMatchObject({
      status: 'idle',
      reason: 'opted-out',
    });
  });

  it('keeps the customer from checkout when a later update leaves it out', () => {
    const s = fold([
      event('checkout.started', T0),
      event('cart.updated', T0 + 5 * MIN, {
        customer: undefined,
        items: [{ sku: 'B', title: 'b', quantity: 2, unitPrice: '1.00' }],
      }),
    ]);
    expect(s.facts.phone?.v).toBe('+34600111222');
    expect(s.facts.items?.v[0].sku).toBe('B');
    expect(s.episode).toMatchObject({ status: 'scheduled', detectedAt: T0 + 35 * MIN });
  });

  it('new activity moves the timer (same episode); emptied and converted cancel it', () => {
    const first = fold([event('cart.updated', T0)]);
    const moved = applyOne(first, event('checkout.started', T0 + 20 * MIN), ctx);
    expect(moved.episode).toMatchObject({ number: 1, status: 'scheduled', detectedAt: T0 + 50 * MIN });
    const converted = applyOne(moved, event('cart.converted', T0 + 25 * MIN, { total: '59.90' }), ctx);
    expect(converted.episode).toMatchObject({ number: 1, status: 'cancelled', reason: 'converted', detectedAt: null });
    expect(timerOf(converted.episode)).toBeNull();
    const emptied = applyOne(moved, event('cart.emptied', T0 + 25 * MIN), ctx);
    expect(emptied.episode).toMatchObject({ status: 'cancelled', reason: 'emptied' });
  });

  it('a conversion after detection but before the message counts as an abandonment, cancelled', () => {
    const s = fold([event('cart.updated', T0), event('cart.converted', T0 + 45 * MIN)]);
    expect(s.episode).toMatchObject({ status: 'cancelled', reason: 'converted', detectedAt: T0 + 30 * MIN });
  });

  it('an older event never overwrites newer state, and a duplicate eventId changes nothing', () => {
    const update = event('cart.updated', T0 + 10 * MIN);
    const s = fold([update, event('cart.converted', T0 + 5 * MIN)]);
    expect(s.episode.status).toBe('scheduled');
    expect(s.facts.conversion?.s.at).toBe(T0 + 5 * MIN);
    expect(applyOne(s, update, ctx)).toBe(s);
    expect(applyOne(s, { ...update, occurredAt: new Date(T0 + 99 * MIN).toISOString() }, ctx)).toBe(s);
    expect(applyCartEvents(s, [update, update], ctx).changed).toBe(false);
  });

  it('waits for settings, and follows enabled:false and new delays when re-planned', () => {
    const unknown = fold([event('cart.updated', T0)], undefined, { ...ctx, settings: undefined });
    expect(unknown.episode).toMatchObject({ status: 'waiting-settings', detectedAt: null });
    const planned = replanCart(unknown, ctx);
    expect(planned).toMatchObject({ changed: true, state: { episode: { status: 'scheduled' } } });
    const disabled = replanCart(planned.state, { ...ctx, settings: { ...settings, enabled: false } });
    expect(disabled.state.episode).toMatchObject({ status: 'disabled', detectedAt: T0 + 30 * MIN, dueAt: null });
    const sooner = replanCart(planned.state, { ...ctx, settings: { ...settings, sendDelayMinutes: 0 } });
    expect(sooner.state.episode.dueAt).toBe(T0 + 30 * MIN);
    expect(replanCart(planned.state, ctx).changed).toBe(false);
  });

  it('a closed episode stays closed; activity after it starts the next episode', () => {
    const s = fold([event('cart.updated', T0)]);
    const closedAt = T0 + 90 * MIN;
    const emitted: CartState = {
      ...s,
      episode: { ...s.episode, status: 'emitted', closedAt, sendId: 'lola-shoes:c1:1' },
    };
    // Activity that happened before the message, arriving late: same episode.
    const late = applyOne(emitted, event('cart.updated', T0 + 60 * MIN), ctx);
    expect(late.episode).toEqual(emitted.episode);
    // Conversion after the message: the episode stays emitted (recovered, for the stats).
    const bought = applyOne(emitted, event('cart.converted', T0 + 120 * MIN), ctx);
    expect(bought.episode).toEqual(emitted.episode);
    expect(bought.facts.conversion?.s.at).toBe(T0 + 120 * MIN);
    // The shopper comes back after the message: abandonment number 2.
    const back = applyOne(emitted, event('cart.updated', T0 + 100 * MIN), ctx);
    expect(back.episode).toMatchObject({ number: 2, status: 'scheduled', detectedAt: T0 + 130 * MIN, sendId: null });
  });
});

describe('order and duplicates (property)', () => {
  const types: CartEventType[] = ['cart.updated', 'checkout.started', 'cart.converted', 'cart.emptied'];
  const arbEvent = fc.record({
    type: fc.constantFrom(...types),
    minute: fc.integer({ min: 0, max: 300 }),
    withCustomer: fc.boolean(),
    phone: fc.constantFrom('+34600111222', '+34600999888', 'nonsense'),
    optIn: fc.boolean(),
    itemCount: fc.integer({ min: 0, max: 3 }),
    withUrl: fc.boolean(),
    total: fc.constantFrom('10.00', '59.90', undefined),
  });
  const arbHistory = fc.array(arbEvent, { minLength: 1, maxLength: 25 }).map((specs) =>
    specs.map((x, i) =>
      event(x.type, T0 + x.minute * MIN, {
        eventId: `ev-${i}`,
        customer: x.withCustomer ? { phone: x.phone, whatsappOptIn: x.optIn, firstName: `N${i}` } : undefined,
        items: Array.from({ length: x.itemCount }, (_, k) => ({
          sku: `s${k}`,
          title: 't',
          quantity: 1,
          unitPrice: '1.00',
        })),
        recoveryUrl: x.withUrl ? `https://shop.example/r/${i}` : undefined,
        total: x.total,
      }),
    ),
  );
  const arbStart = fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }).map((closedMinute) => {
    const start = newCart('lola-shoes', 'c1');
    if (closedMinute === undefined) return start;
    const episode: Episode = {
      ...start.episode,
      status: 'emitted',
      closedAt: T0 + closedMinute * MIN,
      sendId: 'lola-shoes:c1:1',
    };
    return { ...start, episode };
  });
  const arbSettings = fc.record({
    abandonAfterMinutes: fc.integer({ min: 1, max: 120 }),
    enabled: fc.boolean(),
    optedOut: fc.boolean(),
  });

  it('any interleaving of the same events, with duplicates, ends in the same state', () => {
    fc.assert(
      fc.property(
        arbHistory.chain((events) =>
          fc.tuple(
            fc.constant(events),
            fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
            fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 10 }),
          ),
        ),
        arbStart,
        arbSettings,
        ([events, shuffled, duplicates], start, s) => {
          const c: PlanContext = {
            settings: { ...settings, abandonAfterMinutes: s.abandonAfterMinutes, enabled: s.enabled },
            optedOut: s.optedOut,
            planSend,
          };
          const withDuplicates = [...shuffled];
          for (const i of duplicates) withDuplicates.splice(i % (withDuplicates.length + 1), 0, events[i]);
          const a = fold(events, start, c);
          const b = fold(withDuplicates, start, c);
          expect(b).toEqual(a);
          // A batch (merge all, plan once) decides exactly as one event at a time.
          expect(applyCartEvents(start, withDuplicates, c).state).toEqual(a);
        },
      ),
      { numRuns: 500 },
    );
  });
});
