import { ERASED_SHOPPER_DAYS, erasedShopperExpired, isErasedEvent } from './erasure-rule';

const at = Date.parse('2026-12-07T10:00:00Z');

describe('isErasedEvent', () => {
  it("drops an event of the erased store's shopper that happened at or before the erasure", () => {
    const erased = [{ storeId: 'lola-shoes', requestedAt: at }];
    expect(isErasedEvent(erased, 'lola-shoes', at - 60_000)).toBe(true);
    expect(isErasedEvent(erased, 'lola-shoes', at)).toBe(true);
  });

  it('keeps an event of after the erasure (the shopper came back) and one of another store', () => {
    const erased = [{ storeId: 'lola-shoes', requestedAt: at }];
    expect(isErasedEvent(erased, 'lola-shoes', at + 1)).toBe(false);
    expect(isErasedEvent(erased, 'other-store', at - 60_000)).toBe(false);
    expect(isErasedEvent([], 'lola-shoes', at - 60_000)).toBe(false);
  });

  it('drops the events of every store after an erasure of every store', () => {
    expect(isErasedEvent([{ storeId: null, requestedAt: at }], 'other-store', at - 1)).toBe(true);
  });
});

describe('erasedShopperExpired', () => {
  it("keeps an entry for cart-events' retention and a day, then lets it go", () => {
    expect(ERASED_SHOPPER_DAYS).toBe(23);
    expect(erasedShopperExpired(at, at + 22 * 86_400_000)).toBe(false);
    expect(erasedShopperExpired(at, at + 23 * 86_400_000)).toBe(false);
    expect(erasedShopperExpired(at, at + 23 * 86_400_000 + 1)).toBe(true);
  });
});
