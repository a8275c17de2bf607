import { ERASED_BY_PHONE, suppressionsOf } from './erasure-scope';

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
