import type { StoreSettings } from '@lib/contracts';
import { armOf } from './holdout';
import { planningSettingsFor, variantDraw, variantOf } from './variants';

const KEY = 'test-experiment-key-0123456789abcdef';
const phones = Array.from({ length: 100_000 }, (_, i) => `+3460${String(i).padStart(7, '0')}`);
const abc = {
  holdoutPercent: 0,
  period: '2026-12',
  variants: [
    { id: 'a', weight: 50 },
    { id: 'b', weight: 30, sendDelayMinutes: 15 },
    { id: 'c', weight: 20, sendDelayMinutes: 90 },
  ],
};

describe('A/B variant draw', () => {
  it('splits the shoppers by weight: 100,000 phones pass a chi-squared test (2 df, p = 0.001)', () => {
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (const phone of phones) counts[variantOf(KEY, abc, 'lola-shoes', phone)!] += 1;
    const expected = { a: 0.5, b: 0.3, c: 0.2 };
    const chiSquared = Object.entries(expected).reduce(
      (sum, [id, p]) => sum + (counts[id] - phones.length * p) ** 2 / (phones.length * p),
      0,
    );
    // The 0.999 quantile of chi-squared with 2 degrees of freedom is 13.82.
    expect(chiSquared).toBeLessThan(13.82);
  });

  it('is sticky per shopper and period, and drawn again in a new period', () => {
    for (const phone of phones.slice(0, 2000)) {
      expect(variantOf(KEY, { ...abc }, 'lola-shoes', phone)).toBe(variantOf(KEY, abc, 'lola-shoes', phone));
    }
    const changed = phones
      .slice(0, 20_000)
      .filter(
        (phone) =>
          variantOf(KEY, abc, 'lola-shoes', phone) !==
          variantOf(KEY, { ...abc, period: '2027-01' }, 'lola-shoes', phone),
      ).length;
    // Independent draws differ with probability 1 − (0.5² + 0.3² + 0.2²) = 0.62.
    const sd = Math.sqrt(20_000 * 0.62 * 0.38);
    expect(Math.abs(changed - 20_000 * 0.62)).toBeLessThan(4 * sd);
  });

  it('is independent of the holdout draw: each variant is held out in the holdout share', () => {
    const experiments = { ...abc, holdoutPercent: 50, variants: [abc.variants[0], { id: 'b', weight: 50 }] };
    const inB = phones.filter((phone) => variantOf(KEY, experiments, 'lola-shoes', phone) === 'b');
    const heldOut = inB.filter((phone) => armOf(KEY, experiments, 'lola-shoes', phone) === 'holdout').length;
    const sd = Math.sqrt(inB.length * 0.25);
    expect(Math.abs(heldOut - inB.length / 2)).toBeLessThan(4 * sd);
    expect(variantDraw(KEY, 'lola-shoes', '2026-12', phones[0])).not.toBe(
      variantDraw(KEY, 'other-store', '2026-12', phones[0]),
    );
  });

  it('draws no variant without variants or without a key', () => {
    expect(variantOf(KEY, { holdoutPercent: 10 }, 'lola-shoes', phones[0])).toBeNull();
    expect(variantOf(undefined, abc, 'lola-shoes', phones[0])).toBeNull();
    expect(variantOf(KEY, undefined, 'lola-shoes', phones[0])).toBeNull();
  });

  it("plans a shopper's carts with their variant's delay, the store's own without one", () => {
    const settings = { sendDelayMinutes: 60, experiments: abc, whatsapp: {} } as unknown as StoreSettings;
    const delays = new Set(
      phones.slice(0, 200).map((phone) => planningSettingsFor(KEY, settings, 'lola-shoes', phone)!.sendDelayMinutes),
    );
    expect([...delays].sort((x, y) => x - y)).toEqual([15, 60, 90]); // a keeps the store's 60
    const phone = phones.find((p) => variantOf(KEY, abc, 'lola-shoes', p) === 'c')!;
    expect(planningSettingsFor(KEY, settings, 'lola-shoes', phone)!.sendDelayMinutes).toBe(90);
    expect(planningSettingsFor(undefined, settings, 'lola-shoes', phone)).toBe(settings);
    expect(planningSettingsFor(KEY, settings, 'lola-shoes', null)).toBe(settings);
    expect(planningSettingsFor(KEY, undefined, 'lola-shoes', phone)).toBeUndefined();
  });
});
