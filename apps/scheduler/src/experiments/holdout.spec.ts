import { armOf, holdoutDraw } from './holdout';

const KEY = 'test-experiment-key-0123456789abcdef';
const phones = Array.from({ length: 100_000 }, (_, i) => `+3460${String(i).padStart(7, '0')}`);

describe('holdout draw', () => {
  it('is uniform: 100,000 phones over 100 buckets pass a chi-squared test (99 df, p = 0.001)', () => {
    const buckets = new Array<number>(100).fill(0);
    const draws = phones.map((phone) => holdoutDraw(KEY, 'lola-shoes', '2026-12', phone));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    for (const u of draws) buckets[Math.floor(u * 100)] += 1;
    const expected = phones.length / 100;
    const chiSquared = buckets.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // The 0.999 quantile of chi-squared with 99 degrees of freedom is 148.23.
    expect(chiSquared).toBeLessThan(148.23);
    // And not suspiciously flat (the 0.001 quantile is 60.0): a counter would be too even.
    expect(chiSquared).toBeGreaterThan(60);
  });

  it('holds out holdoutPercent of the shoppers, within 4 standard deviations', () => {
    for (const holdoutPercent of [10, 50]) {
      const p = holdoutPercent / 100;
      const held = phones.filter((phone) => armOf(KEY, { holdoutPercent }, 'lola-shoes', phone) === 'holdout').length;
      const sd = Math.sqrt(phones.length * p * (1 - p));
      expect(Math.abs(held - phones.length * p)).toBeLessThan(4 * sd);
    }
  });

  it('is sticky: the same store, phone and period always give the same arm', () => {
    const experiments = { holdoutPercent: 30, period: '2026-12' };
    for (const phone of phones.slice(0, 2000)) {
      const arm = armOf(KEY, experiments, 'lola-shoes', phone);
      expect(armOf(KEY, { ...experiments }, 'lola-shoes', phone)).toBe(arm);
    }
  });

  it('draws again in a new period, independently: about half the shoppers change arm at 50%', () => {
    const changed = phones.filter(
      (phone) =>
        armOf(KEY, { holdoutPercent: 50, period: '2026-12' }, 'lola-shoes', phone) !==
        armOf(KEY, { holdoutPercent: 50, period: '2027-01' }, 'lola-shoes', phone),
    ).length;
    const sd = Math.sqrt(phones.length * 0.25);
    expect(Math.abs(changed - phones.length / 2)).toBeLessThan(4 * sd);
    // A period left unset is a period of its own, and other stores draw apart.
    expect(holdoutDraw(KEY, 'lola-shoes', '', phones[0])).not.toBe(
      holdoutDraw(KEY, 'lola-shoes', '2026-12', phones[0]),
    );
    expect(holdoutDraw(KEY, 'other-store', '2026-12', phones[0])).not.toBe(
      holdoutDraw(KEY, 'lola-shoes', '2026-12', phones[0]),
    );
  });

  it('depends on the key: another key gives other draws', () => {
    const same = phones
      .slice(0, 1000)
      .filter((phone) => holdoutDraw(KEY, 's', 'p', phone) === holdoutDraw(`${KEY}-2`, 's', 'p', phone)).length;
    expect(same).toBe(0);
  });

  it('assigns no arm without a holdout or without a key', () => {
    expect(armOf(KEY, undefined, 'lola-shoes', phones[0])).toBeNull();
    expect(armOf(KEY, { holdoutPercent: 0 }, 'lola-shoes', phones[0])).toBeNull();
    expect(armOf(undefined, { holdoutPercent: 50 }, 'lola-shoes', phones[0])).toBeNull();
    expect(['treated', 'holdout']).toContain(armOf(KEY, { holdoutPercent: 50 }, 'lola-shoes', phones[0]));
  });
});
