import { normalCdf, twoProportionPValue, variantComparisonOf, type VariantCount } from './variant-comparison';

const variant = (id: string, carts: number, converted: number): VariantCount => ({
  variant: id,
  carts,
  sent: carts,
  delivered: carts,
  read: 0,
  clicked: 0,
  converted,
  revenue: {},
});

describe('the two-proportion test', () => {
  it('has the normal distribution it needs', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.644853627)).toBeCloseTo(0.05, 6);
    expect(normalCdf(3)).toBeCloseTo(0.998650102, 6);
  });

  it('matches a worked example: 120/1000 against 90/1000', () => {
    // Pooled p = 0.105, se = sqrt(0.105 × 0.895 × 2/1000) = 0.013709, z = 0.03 / se = 2.1883,
    // two-sided p = 2 × (1 − Φ(2.1883)) = 0.02865.
    expect(twoProportionPValue(120, 1000, 90, 1000)).toBeCloseTo(0.02865, 4);
    expect(twoProportionPValue(90, 1000, 120, 1000)).toBeCloseTo(0.02865, 4);
    expect(twoProportionPValue(100, 1000, 100, 1000)).toBeCloseTo(1, 6);
    expect(twoProportionPValue(0, 0, 1, 10)).toBe(1);
  });
});

describe('the winner rule', () => {
  it('names no winner while a variant has fewer than 500 carts, and says what each still needs', () => {
    const result = variantComparisonOf([variant('b', 450, 90), variant('a', 600, 30)]);
    expect(result).toMatchObject({ winner: null, why: 'too-small', tooSmall: true, stillNeeded: { b: 50 } });
    expect(result.variants.map((v) => v.variant)).toEqual(['a', 'b']);
    expect(result.variants[0]).toMatchObject({ conversionRate: 0.05 });
    expect(result.variants[0].conversionInterval!.low).toBeLessThan(0.05);
    expect(result.variants[0].conversionInterval!.high).toBeGreaterThan(0.05);
  });

  it('names the better variant when it is significantly better than each other at 95% (Bonferroni)', () => {
    expect(variantComparisonOf([variant('a', 1000, 90), variant('b', 1000, 120)])).toMatchObject({
      winner: 'b',
      why: 'significant',
      tooSmall: false,
      stillNeeded: {},
    });
    // p = 0.029 against one other passes at 0.05; with three variants each test is at 0.025.
    expect(
      variantComparisonOf([variant('a', 1000, 90), variant('b', 1000, 120), variant('c', 1000, 60)]),
    ).toMatchObject({ winner: null, why: 'no-significant-difference' });
    expect(
      variantComparisonOf([variant('a', 1000, 80), variant('b', 1000, 130), variant('c', 1000, 60)]),
    ).toMatchObject({ winner: 'b' });
  });

  it('names none when the difference could be luck', () => {
    expect(variantComparisonOf([variant('a', 800, 80), variant('b', 800, 88)])).toMatchObject({
      winner: null,
      why: 'no-significant-difference',
    });
  });
});
