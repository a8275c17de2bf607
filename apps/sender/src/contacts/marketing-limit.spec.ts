import { limitedByMeta, marketingLimitOf, MARKETING_LIMIT_HOURS } from './marketing-limit';

describe("Meta's per-user marketing limit (131049)", () => {
  const failedAt = new Date('2026-12-07T10:00:00Z');
  const message = { storeId: 's', phone: '+34600111222' };

  it('holds the shopper 24 hours from the failure', () => {
    expect(MARKETING_LIMIT_HOURS).toBe(24);
    expect(marketingLimitOf(message, failedAt)).toEqual({
      storeId: 's',
      phone: '+34600111222',
      until: new Date('2026-12-08T10:00:00Z'),
    });
  });

  it('never shortens a longer hold already there', () => {
    const later = new Date('2026-12-09T00:00:00Z');
    expect(marketingLimitOf(message, failedAt, later).until).toEqual(later);
    expect(marketingLimitOf(message, failedAt, new Date('2026-12-07T12:00:00Z')).until).toEqual(
      new Date('2026-12-08T10:00:00Z'),
    );
  });

  it('holds back until the end, not at it', () => {
    const limit = marketingLimitOf(message, failedAt);
    expect(limitedByMeta(limit, new Date('2026-12-08T09:59:59Z'))).toBe(true);
    expect(limitedByMeta(limit, new Date('2026-12-08T10:00:00Z'))).toBe(false);
    expect(limitedByMeta(undefined, failedAt)).toBe(false);
  });
});
