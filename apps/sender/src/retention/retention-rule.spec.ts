import { StoreSettingsSchema } from '@lib/contracts';
import {
  CLOSURE_DECIDES_DAYS,
  SLOT_DECIDES_DAYS,
  cartClosureVerdict,
  contactSlotVerdict,
  messageVerdict,
  type MessageAtRest,
} from './retention-rule';

const DAY = 86_400_000;
const now = Date.parse('2026-12-07T03:00:00Z');
const policy = { messageDays: 90, messageBodyDays: 30, cartClosureDays: 30, contactHoldDays: 30 };
const ago = (days: number) => now - days * DAY;

const message = (patch: Partial<MessageAtRest> = {}): MessageAtRest => ({
  state: 'read',
  updatedAt: ago(100),
  hasBody: true,
  ...patch,
});

describe('the bounds come from the store settings contract', () => {
  it('a closure decides for 15 days (a day to be abandoned, 14 to find an opening), a slot for 30', () => {
    expect(StoreSettingsSchema.properties.abandonAfterMinutes.maximum).toBe(1440);
    expect(StoreSettingsSchema.properties.maxDeferralHours.maximum).toBe(336);
    expect(CLOSURE_DECIDES_DAYS).toBe(15);
    expect(SLOT_DECIDES_DAYS).toBe(30);
  });
});

describe('messageVerdict', () => {
  it('deletes a settled message messageDays after its last change, whatever its final state', () => {
    for (const state of ['sent', 'delivered', 'read', 'failed', 'skipped', 'expired'] as const) {
      expect([state, messageVerdict(message({ state }), now, policy)]).toEqual([state, { action: 'delete' }]);
      expect([state, messageVerdict(message({ state, updatedAt: ago(90) }), now, policy)]).toEqual([
        state,
        { action: 'delete' },
      ]);
    }
  });

  it('blanks the body of a settled message between messageBodyDays and messageDays, keeps the row', () => {
    expect(messageVerdict(message({ updatedAt: ago(30) }), now, policy)).toEqual({ action: 'blank-body' });
    expect(messageVerdict(message({ updatedAt: ago(89) }), now, policy)).toEqual({ action: 'blank-body' });
    // Blanked already: nothing to do until the row goes.
    expect(messageVerdict(message({ updatedAt: ago(89), hasBody: false }), now, policy)).toEqual({
      action: 'keep',
      keep: 'recent',
    });
    expect(messageVerdict(message({ updatedAt: ago(29) }), now, policy)).toEqual({ action: 'keep', keep: 'recent' });
  });

  it('never touches a message still sending (the intent and its fence) or deferred (the loop decides it again)', () => {
    for (const updatedAt of [ago(1), ago(40), ago(400)]) {
      expect(messageVerdict(message({ state: 'sending', updatedAt }), now, policy)).toEqual({
        action: 'keep',
        keep: 'in-flight',
      });
      expect(messageVerdict(message({ state: 'deferred', updatedAt }), now, policy)).toEqual({
        action: 'keep',
        keep: 'deferred',
      });
    }
  });

  it('keeps an unknown message as a row for good (Meta may have accepted it), its body blanked in time', () => {
    expect(messageVerdict(message({ state: 'unknown', updatedAt: ago(400) }), now, policy)).toEqual({
      action: 'blank-body',
    });
    expect(messageVerdict(message({ state: 'unknown', updatedAt: ago(400), hasBody: false }), now, policy)).toEqual({
      action: 'keep',
      keep: 'unknown',
    });
    expect(messageVerdict(message({ state: 'unknown', updatedAt: ago(1) }), now, policy)).toEqual({
      action: 'keep',
      keep: 'unknown',
    });
  });
});

describe('cartClosureVerdict', () => {
  it('lets a closure go cartClosureDays after it occurred', () => {
    expect(cartClosureVerdict({ occurredAt: ago(30) }, now, policy)).toEqual({ purge: true });
    expect(cartClosureVerdict({ occurredAt: ago(29) }, now, policy)).toEqual({ purge: false, keep: 'recent' });
    // A closure from a platform clock ahead of ours.
    expect(cartClosureVerdict({ occurredAt: now + DAY }, now, policy)).toEqual({ purge: false, keep: 'recent' });
  });

  it('never before a send-due it could skip has expired, whatever the policy says', () => {
    const short = { ...policy, cartClosureDays: 1 };
    expect(cartClosureVerdict({ occurredAt: ago(14) }, now, short)).toEqual({ purge: false, keep: 'recent' });
    expect(cartClosureVerdict({ occurredAt: ago(15) }, now, short)).toEqual({ purge: true });
  });
});

describe('contactSlotVerdict', () => {
  it('lets a slot go once its hold and last message ended contactHoldDays ago', () => {
    expect(contactSlotVerdict({ holdUntil: ago(30), lastSentAt: ago(31) }, now, policy)).toEqual({ purge: true });
    expect(contactSlotVerdict({ holdUntil: ago(29), lastSentAt: ago(40) }, now, policy)).toEqual({
      purge: false,
      keep: 'recent',
    });
  });

  it('keeps a slot whose hold is in force, however old its message', () => {
    expect(contactSlotVerdict({ holdUntil: now + 3_600_000, lastSentAt: ago(40) }, now, policy)).toEqual({
      purge: false,
      keep: 'hold-in-force',
    });
  });

  it('keeps a slot as long as a longer minHoursBetweenMessages could still hold the shopper', () => {
    // A rule off (hold_until = last_sent_at) and a policy shorter than 720 h: still 30 days.
    const short = { ...policy, contactHoldDays: 1 };
    expect(contactSlotVerdict({ holdUntil: ago(29), lastSentAt: ago(29) }, now, short)).toEqual({
      purge: false,
      keep: 'recent',
    });
    expect(contactSlotVerdict({ holdUntil: ago(30), lastSentAt: ago(30) }, now, short)).toEqual({ purge: true });
  });
});
