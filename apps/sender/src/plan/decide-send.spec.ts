import type { SendDue, StoreSettings } from '@lib/contracts';
import { decideSend, StoreOpenings, SendFacts } from './decide-send';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const min = (n: number) => n * 60_000;

const settings = {
  storeId: 'lola-shoes',
  name: 'Zapatería Lola',
  enabled: true,
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
  closedDates: [],
  abandonAfterMinutes: 30,
  sendDelayMinutes: 60,
  maxDeferralHours: 72,
  minHoursBetweenMessages: 24,
  whatsapp: { phoneNumberId: '106540352242922', mode: 'text' },
} as StoreSettings;

const sendDue: SendDue = {
  schemaVersion: 1,
  sendId: 'lola-shoes:c1:1',
  storeId: 'lola-shoes',
  cartId: 'c1',
  customer: { phone: '+34600111222' },
  items: [{ sku: 'A', title: 'A', quantity: 1, unitPrice: '1.00' }],
  recoveryUrl: 'https://lola.example/r/c1',
  detectedAt: new Date(NOW.getTime() - min(60)).toISOString(), // last activity 90 min ago
  dueAt: NOW.toISOString(),
  notAfter: new Date(NOW.getTime() + min(72 * 60)).toISOString(),
};

/** Open from `opensAt` on (or always). */
function hoursOpenFrom(opensAt: Date | null): StoreOpenings {
  return {
    isOpen: (at) => opensAt !== null && at.getTime() >= opensAt.getTime(),
    nextOpening: (after) => (opensAt === null ? null : new Date(Math.max(after.getTime(), opensAt.getTime()))),
  };
}
const alwaysOpen = hoursOpenFrom(new Date(0));

function facts(patch: Partial<SendFacts> = {}): SendFacts {
  return {
    sendDue,
    settings,
    storePaused: false,
    optedOut: false,
    limitedByMeta: false,
    closure: undefined,
    lastMessage: undefined,
    now: NOW,
    ...patch,
  };
}

describe('decideSend', () => {
  it('skips a shopper Meta limited (131049) with a reason of its own, before the frequency rule', () => {
    const recent = { sendId: 'lola-shoes:c0:1', at: new Date(NOW.getTime() - 60_000) };
    expect(decideSend(facts({ limitedByMeta: true }), alwaysOpen)).toEqual({
      action: 'skip',
      reason: 'limited-by-meta',
    });
    expect(decideSend(facts({ limitedByMeta: true, lastMessage: recent }), alwaysOpen)).toEqual({
      action: 'skip',
      reason: 'limited-by-meta',
    });
    // Reasons that end the message for good come first.
    expect(decideSend(facts({ limitedByMeta: true, optedOut: true }), alwaysOpen)).toEqual({
      action: 'skip',
      reason: 'opted-out',
    });
  });

  it('sends when nothing stands in the way', () => {
    expect(decideSend(facts(), alwaysOpen)).toEqual({ action: 'send' });
  });

  it('skips an unknown or disabled store', () => {
    expect(decideSend(facts({ settings: undefined }), alwaysOpen)).toEqual({ action: 'skip', reason: 'unknown-store' });
    expect(decideSend(facts({ settings: { ...settings, enabled: false } }), alwaysOpen)).toEqual({
      action: 'skip',
      reason: 'disabled',
    });
  });

  it('skips an opted-out shopper', () => {
    expect(decideSend(facts({ optedOut: true }), alwaysOpen)).toEqual({ action: 'skip', reason: 'opted-out' });
  });

  it('skips a cart converted or emptied after the activity it was detected from, not before', () => {
    const after = new Date(NOW.getTime() - min(89));
    const before = new Date(NOW.getTime() - min(91));
    expect(decideSend(facts({ closure: { kind: 'converted', occurredAt: after } }), alwaysOpen)).toEqual({
      action: 'skip',
      reason: 'converted',
    });
    expect(decideSend(facts({ closure: { kind: 'emptied', occurredAt: after } }), alwaysOpen)).toEqual({
      action: 'skip',
      reason: 'emptied',
    });
    // An emptied cart filled again later: the old emptying says nothing about this reminder.
    expect(decideSend(facts({ closure: { kind: 'emptied', occurredAt: before } }), alwaysOpen)).toEqual({
      action: 'send',
    });
  });

  it('applies the frequency rule with the store minimum, and not when it is 0', () => {
    const recent = new Date(NOW.getTime() - min(23 * 60));
    const old = new Date(NOW.getTime() - min(24 * 60));
    const another = (at: Date) => ({ sendId: 'lola-shoes:c0:1', at });
    expect(decideSend(facts({ lastMessage: another(recent) }), alwaysOpen)).toEqual({
      action: 'skip',
      reason: 'frequency-cap',
    });
    expect(decideSend(facts({ lastMessage: another(old) }), alwaysOpen)).toEqual({ action: 'send' });
    const noRule = { ...settings, minHoursBetweenMessages: 0 };
    expect(decideSend(facts({ lastMessage: another(recent), settings: noRule }), alwaysOpen)).toEqual({
      action: 'send',
    });
    // Its own slot, taken before a crash or a deferral: not another message.
    expect(decideSend(facts({ lastMessage: { sendId: sendDue.sendId, at: recent } }), alwaysOpen)).toEqual({
      action: 'send',
    });
  });

  it('skips a marketing template to a US number as market-blocked, before the frequency rule and a pause', () => {
    const marketing = {
      ...settings,
      whatsapp: { phoneNumberId: '1', mode: 'template', templateName: 'cart', templateCategory: 'marketing' },
    } as StoreSettings;
    const us = { ...sendDue, customer: { phone: '+12125550123' } };
    const canada = { ...sendDue, customer: { phone: '+14165550123' } };
    const block = { blockUsMarketing: true };
    const recent = { sendId: 'lola-shoes:c0:1', at: new Date(NOW.getTime() - min(60)) };
    expect(decideSend(facts({ sendDue: us, settings: marketing }), alwaysOpen, block)).toEqual({
      action: 'skip',
      reason: 'market-blocked',
    });
    // Not a frequency-cap: the shopper's slot is not what stopped it.
    expect(
      decideSend(
        facts({ sendDue: us, settings: marketing, lastMessage: recent, storePaused: true }),
        alwaysOpen,
        block,
      ),
    ).toEqual({ action: 'skip', reason: 'market-blocked' });
    expect(decideSend(facts({ sendDue: canada, settings: marketing }), alwaysOpen, block)).toEqual({ action: 'send' });
    // Off, a text message, an opt-out first.
    expect(decideSend(facts({ sendDue: us, settings: marketing }), alwaysOpen)).toEqual({ action: 'send' });
    expect(decideSend(facts({ sendDue: us }), alwaysOpen, block)).toEqual({ action: 'send' });
    expect(decideSend(facts({ sendDue: us, settings: marketing, optedOut: true }), alwaysOpen, block)).toEqual({
      action: 'skip',
      reason: 'opted-out',
    });
  });

  it('expires past notAfter, even when the store is closed', () => {
    const late = new Date(Date.parse(sendDue.notAfter) + 1);
    expect(decideSend(facts({ now: late }), hoursOpenFrom(null))).toEqual({
      action: 'expire',
      reason: 'not-after-passed',
    });
  });

  it('defers outside opening hours to the next opening, or expires when that is after notAfter', () => {
    const opens = new Date(NOW.getTime() + min(600));
    expect(decideSend(facts(), hoursOpenFrom(opens))).toEqual({
      action: 'defer',
      reason: 'outside-opening-hours',
      until: opens,
    });
    const tooLate = new Date(Date.parse(sendDue.notAfter) + min(1));
    expect(decideSend(facts(), hoursOpenFrom(tooLate))).toEqual({
      action: 'expire',
      reason: 'no-opening-before-not-after',
    });
    expect(decideSend(facts(), hoursOpenFrom(null))).toEqual({
      action: 'expire',
      reason: 'no-opening-before-not-after',
    });
  });

  it('waits for dueAt when read early', () => {
    const dueAt = new Date(NOW.getTime() + 5000);
    const early = { ...sendDue, dueAt: dueAt.toISOString() };
    expect(decideSend(facts({ sendDue: early }), alwaysOpen)).toEqual({
      action: 'defer',
      reason: 'not-yet-due',
      until: dueAt,
    });
  });

  it('holds the messages of a paused store without a time, after the reasons that end them', () => {
    expect(decideSend(facts({ storePaused: true }), alwaysOpen)).toEqual({
      action: 'defer',
      reason: 'store-paused',
      until: null,
    });
    expect(decideSend(facts({ storePaused: true, optedOut: true }), alwaysOpen)).toMatchObject({ action: 'skip' });
  });
});
