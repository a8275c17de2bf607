import fc from 'fast-check';
import { holdoutLiftOf } from './holdout-lift';
import { incrementalRevenue, MIN_CARTS_PER_ARM, MIN_CONVERSIONS_PER_ARM, windowComparisonOf } from './window-lift';

describe('window comparison', () => {
  it("rates and lift are holdout-lift's; incremental orders and revenue scale the difference by treated carts", () => {
    const treated = { carts: 400, converted: 60, revenue: { EUR: '3000.00', USD: '100.00' } };
    const heldOut = { carts: 100, converted: 10, revenue: { EUR: '450.00' } };
    const w = windowComparisonOf(24, treated, heldOut);
    const lift = holdoutLiftOf(treated, heldOut);
    expect(w.hours).toBe(24);
    expect(w.lift).toEqual(lift.lift);
    expect(w.treated).toEqual({ carts: 400, converted: 60, conversionRate: 0.15, revenue: treated.revenue });
    expect(w.heldOut).toEqual({ carts: 100, converted: 10, conversionRate: 0.1, revenue: heldOut.revenue });
    // (0.15 − 0.10) × 400 = 20 orders; EUR (3000/400 − 450/100) × 400 = 3000 − 1800 = 1200.
    expect(w.incremental.orders).toBe(20);
    expect(w.incremental.ordersInterval).toEqual({
      low: Math.round(lift.lift.absoluteInterval!.low * 400 * 100) / 100,
      high: Math.round(lift.lift.absoluteInterval!.high * 400 * 100) / 100,
    });
    expect(w.incremental.revenue).toEqual({ EUR: '1200.00', USD: '100.00' });
    // The example of docs/reading-the-figures.md: large enough, yet the interval crosses 0.
    expect(w.lift).toMatchObject({
      absolute: 0.05,
      absoluteInterval: { low: -0.0308, high: 0.1089 },
      relative: 0.5,
      relativeInterval: { low: -0.2032, high: 1.8237 },
    });
    expect(w.incremental.ordersInterval).toEqual({ low: -12.32, high: 43.56 });
    expect(w.incremental.method).toBe('difference-in-rates-times-treated-carts');
    expect(w.tooSmall).toBe(false);
    expect(w.stillNeeded).toEqual({ treatedCarts: 0, heldOutCarts: 0, treatedConversions: 0, heldOutConversions: 0 });
  });

  it('too small while an arm has fewer than 100 carts or 10 conversions, with what each arm still lacks', () => {
    expect([MIN_CARTS_PER_ARM, MIN_CONVERSIONS_PER_ARM]).toEqual([100, 10]);
    const w = windowComparisonOf(
      120,
      { carts: 250, converted: 12, revenue: {} },
      { carts: 30, converted: 1, revenue: { EUR: '20.00' } },
    );
    expect(w.tooSmall).toBe(true);
    expect(w.stillNeeded).toEqual({ treatedCarts: 0, heldOutCarts: 70, treatedConversions: 0, heldOutConversions: 9 });
    // The figures are still given, flagged.
    expect(w.lift.absolute).not.toBeNull();
    expect(w.incremental.revenue).toEqual({ EUR: '-166.67' });
    const edge = windowComparisonOf(
      24,
      { carts: 100, converted: 10, revenue: {} },
      { carts: 100, converted: 9, revenue: {} },
    );
    expect(edge.tooSmall).toBe(true);
    expect(edge.stillNeeded.heldOutConversions).toBe(1);
  });

  it('nothing incremental while an arm has no carts', () => {
    const w = windowComparisonOf(24, { carts: 5, converted: 1, revenue: { EUR: '10.00' } }, emptyArm());
    expect(w.incremental).toMatchObject({ orders: null, ordersInterval: null, revenue: {} });
    expect(w.stillNeeded.heldOutCarts).toBe(100);
  });

  it('incremental revenue is exact on decimals, rounded half away from zero to the digits carried', () => {
    expect(incrementalRevenue('10.00', 3, '0', 1)).toBe('10.00');
    expect(incrementalRevenue('0', 2, '1.00', 3)).toBe('-0.67');
    expect(incrementalRevenue('0.005', 1, '0', 1)).toBe('0.005');
    expect(incrementalRevenue('1', 1, '1', 2)).toBe('1'); // 1 − 1 × 1/2 = 0.5 → 1
    expect(incrementalRevenue('0', 1, '1', 2)).toBe('-1'); // −0.5 → −1
    expect(incrementalRevenue('0', 1, '1', 3)).toBe('0'); // −0.33 → 0, no "-0"
    expect(incrementalRevenue('1000', 4, '2500.5', 10)).toBe('-0.2');
  });

  it('property: incremental revenue is within half a unit of the real-number formula', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        (centsT, centsH, nt, nh) => {
          const money = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
          const exact = (centsT / nt - centsH / nh) * nt;
          const got = Math.round(Number(incrementalRevenue(money(centsT), nt, money(centsH), nh)) * 100);
          expect(Math.abs(got - exact)).toBeLessThanOrEqual(0.5 + 1e-6);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

function emptyArm() {
  return { carts: 0, converted: 0, revenue: {} };
}
