import { cartVerdict, consentVerdict, contactVerdict, type CartAtRest, type ContactAtRest } from './retention-rule';

const DAY = 86_400_000;
const now = Date.parse('2026-12-07T03:00:00Z');
const policy = { closedCartDays: 90, contactHoldDays: 30 };
const ago = (days: number) => now - days * DAY;

const cart = (patch: Partial<CartAtRest> = {}): CartAtRest => ({
  timerAt: null,
  lastChangeAt: ago(120),
  lastActivityAt: ago(121),
  detectedAt: ago(121),
  closedAt: ago(120),
  unsettledNotAfter: [],
  ...patch,
});

describe('cartVerdict', () => {
  it('lets a cart go once nothing changed for closedCartDays and nothing waits on it', () => {
    expect(cartVerdict(cart(), now, policy)).toEqual({ purge: true });
    expect(cartVerdict(cart({ lastActivityAt: null, detectedAt: null, closedAt: null }), now, policy)).toEqual({
      purge: true,
    });
    // Exactly at the cutoff: gone.
    expect(cartVerdict(cart({ lastChangeAt: ago(90) }), now, policy)).toEqual({ purge: true });
  });

  it('keeps a cart with a timer, however old (an open abandonment to send or expire)', () => {
    expect(cartVerdict(cart({ timerAt: ago(200) }), now, policy)).toEqual({ purge: false, keep: 'timer-pending' });
    expect(cartVerdict(cart({ timerAt: now + DAY }), now, policy)).toEqual({ purge: false, keep: 'timer-pending' });
  });

  it('keeps a cart whose row, activity, detection, closing or outcomes changed within closedCartDays', () => {
    for (const field of ['lastChangeAt', 'lastActivityAt', 'detectedAt', 'closedAt'] as const)
      expect([field, cartVerdict(cart({ [field]: ago(89) }), now, policy)]).toEqual([
        field,
        { purge: false, keep: 'recent' },
      ]);
  });

  it('keeps a deferred message the sender may still send or settle', () => {
    const unsettled = (notAfter: number | null) => cartVerdict(cart({ unsettledNotAfter: [notAfter] }), now, policy);
    expect(unsettled(null)).toEqual({ purge: false, keep: 'message-unsettled' });
    expect(unsettled(ago(10))).toEqual({ purge: false, keep: 'message-unsettled' });
    // Its window closed long ago: the sender expired it; nothing more is to come.
    expect(unsettled(ago(100))).toEqual({ purge: true });
  });
});

const contact = (patch: Partial<ContactAtRest> = {}): ContactAtRest => ({
  optedOutAt: null,
  holdUntil: ago(40),
  lastSentAt: ago(41),
  ...patch,
});

describe('contactVerdict', () => {
  it('lets a contact go once its hold and last message ended contactHoldDays ago', () => {
    expect(contactVerdict(contact(), now, policy)).toEqual({ purge: true });
    expect(contactVerdict(contact({ holdUntil: null, lastSentAt: null }), now, policy)).toEqual({ purge: true });
  });

  it('never lets an opt-out go', () => {
    expect(contactVerdict(contact({ optedOutAt: ago(3000) }), now, policy)).toEqual({
      purge: false,
      keep: 'opted-out',
    });
  });

  it('keeps a hold in force, and one that ended or a message sent within contactHoldDays', () => {
    expect(contactVerdict(contact({ holdUntil: now + 1 }), now, policy)).toEqual({
      purge: false,
      keep: 'hold-in-force',
    });
    expect(contactVerdict(contact({ holdUntil: ago(29) }), now, policy)).toEqual({ purge: false, keep: 'recent' });
    expect(contactVerdict(contact({ holdUntil: null, lastSentAt: ago(29) }), now, policy)).toEqual({
      purge: false,
      keep: 'recent',
    });
  });
});

describe('consentVerdict', () => {
  it('lets a consent record go closedCartDays after a cart event last carried it, not sooner', () => {
    expect(consentVerdict({ lastSeenAt: ago(90) }, now, policy)).toEqual({ purge: true });
    expect(consentVerdict({ lastSeenAt: ago(89) }, now, policy)).toEqual({ purge: false, keep: 'recent' });
  });
});
