import { ERASED_BY_PHONE, ERASED_SHOPPER_DAYS, isErasedSendDue, suppressionsOf } from './erasure-scope';

describe('erasure scope of the sender', () => {
  it('keeps one suppression per opt-out, with the hash in place of the phone', () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const kept = suppressionsOf(
      [
        { storeId: 'lola-shoes', optedOutAt: at, source: 'reply' },
        { storeId: 'other', optedOutAt: at, source: 'message-outcomes' },
      ],
      'hash-of-phone',
    );
    expect(kept).toEqual([
      { storeId: 'lola-shoes', phoneHash: 'hash-of-phone', optedOutAt: at, source: 'reply' },
      { storeId: 'other', phoneHash: 'hash-of-phone', optedOutAt: at, source: 'message-outcomes' },
    ]);
    expect(JSON.stringify(kept)).not.toContain('+34');
  });

  it('erases the messages, the frequency slots, the BSUID mapping and the marketing limits by phone', () => {
    expect(ERASED_BY_PHONE).toEqual(['messages', 'contacts', 'shopper_identities', 'marketing_limits']);
  });
});

describe('isErasedSendDue', () => {
  const at = Date.parse('2026-12-07T10:00:00Z');
  const erased = [{ storeId: 'lola-shoes', requestedAt: at }];

  it("drops a send-due of the erased store's shopper detected at or before the erasure", () => {
    expect(isErasedSendDue(erased, 'lola-shoes', at - 60_000, at + 1000)).toBe(true);
    expect(isErasedSendDue(erased, 'lola-shoes', at, at + 1000)).toBe(true);
    expect(isErasedSendDue([{ storeId: null, requestedAt: at }], 'other', at - 1, at + 1000)).toBe(true);
  });

  it('keeps one detected after the erasure, of another store, or once no old send-due can be left', () => {
    expect(isErasedSendDue(erased, 'lola-shoes', at + 1, at + 1000)).toBe(false);
    expect(isErasedSendDue(erased, 'other', at - 1, at + 1000)).toBe(false);
    expect(ERASED_SHOPPER_DAYS).toBe(8);
    expect(isErasedSendDue(erased, 'lola-shoes', at - 1, at + 8 * 86_400_000 + 1)).toBe(false);
  });
});
