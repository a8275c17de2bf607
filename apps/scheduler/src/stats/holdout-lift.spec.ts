import { differenceInterval, holdoutLiftOf, ratioInterval, wilsonInterval } from './holdout-lift';

const to4 = (i: { low: number; high: number } | null) =>
  i && { low: Math.round(i.low * 10_000) / 10_000, high: Math.round(i.high * 10_000) / 10_000 };

describe('holdout lift', () => {
  it("Wilson's interval matches Newcombe (1998), Table I (method 3)", () => {
    // 81/263: 0.2553 to 0.3662; 15/148: 0.0624 to 0.1605; 0/20: 0 to 0.1611; 1/29: 0.0061 to 0.1718.
    expect(to4(wilsonInterval(81, 263))).toEqual({ low: 0.2553, high: 0.3662 });
    expect(to4(wilsonInterval(15, 148))).toEqual({ low: 0.0624, high: 0.1605 });
    expect(to4(wilsonInterval(0, 20))).toEqual({ low: 0, high: 0.1611 });
    expect(to4(wilsonInterval(1, 29))).toEqual({ low: 0.0061, high: 0.1718 });
  });

  it("Newcombe's interval of a difference matches his worked examples (1998, Table II, method 10)", () => {
    expect(to4(differenceInterval(56, 70, 48, 80))).toEqual({ low: 0.0524, high: 0.3339 });
    expect(to4(differenceInterval(9, 10, 3, 10))).toEqual({ low: 0.1705, high: 0.809 });
    expect(to4(differenceInterval(6, 7, 2, 7))).toEqual({ low: 0.0582, high: 0.8062 });
    expect(to4(differenceInterval(5, 56, 0, 29))).toEqual({ low: -0.0381, high: 0.1926 });
    expect(to4(differenceInterval(0, 10, 0, 20))).toEqual({ low: -0.1611, high: 0.2775 });
    expect(to4(differenceInterval(10, 10, 0, 20))).toEqual({ low: 0.6791, high: 1 });
  });

  it("Katz's interval of a ratio: 20/100 against 10/100 is 2 (0.9866 to 4.0545)", () => {
    // ln 2 ± 1.96 · √(1/20 − 1/100 + 1/10 − 1/100) = ln 2 ± 1.96 · √0.13.
    expect(to4(ratioInterval(20, 100, 10, 100))).toEqual({ low: 0.9866, high: 4.0545 });
    expect(ratioInterval(0, 100, 10, 100)).toBeNull();
  });

  it('the stats: rates, absolute and relative lift with their intervals', () => {
    expect(holdoutLiftOf({ carts: 100, converted: 20 }, { carts: 100, converted: 10 })).toEqual({
      treated: { carts: 100, converted: 20, conversionRate: 0.2 },
      heldOut: { carts: 100, converted: 10, conversionRate: 0.1 },
      lift: {
        absolute: 0.1,
        absoluteInterval: to4(differenceInterval(20, 100, 10, 100)),
        relative: 1,
        relativeInterval: { low: -0.0134, high: 3.0545 },
        confidence: 0.95,
        method: 'newcombe-wilson',
      },
    });
  });

  it('no lift while an arm is empty; no relative lift while no held-out cart converted', () => {
    expect(holdoutLiftOf({ carts: 3, converted: 1 }, { carts: 0, converted: 0 }).lift).toMatchObject({
      absolute: null,
      absoluteInterval: null,
      relative: null,
      relativeInterval: null,
    });
    const noneHeldConverted = holdoutLiftOf({ carts: 10, converted: 2 }, { carts: 10, converted: 0 });
    expect(noneHeldConverted.lift).toMatchObject({ absolute: 0.2, relative: null, relativeInterval: null });
    expect(noneHeldConverted.lift.absoluteInterval).not.toBeNull();
    expect(noneHeldConverted.heldOut.conversionRate).toBe(0);
  });
});
