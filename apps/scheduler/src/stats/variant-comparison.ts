import type { VariantComparison } from '@lib/contracts';
import { wilsonInterval } from './holdout-lift';

/**
 * The A/B test's figures per variant and its winner rule (docs/reading-the-figures.md,
 * "Comparing variants"), pure. A variant wins only when every variant has at least
 * WINNER_RULE.minCartsPerVariant carts and its conversion rate is above each other variant's
 * by a two-sided two-proportion z-test (pooled) at 95%, Bonferroni-corrected for the number of
 * comparisons (two with three variants). Otherwise there is no winner, and the answer says why.
 */
export const WINNER_RULE = { minCartsPerVariant: 500, confidence: 0.95 } as const;

export interface VariantCount {
  variant: string;
  /** Messages emitted in the variant. */
  carts: number;
  sent: number;
  delivered: number;
  read: number;
  clicked: number;
  /** Carts converted after detection (each cart once, for its latest episode in a variant). */
  converted: number;
  /** The converted carts' order totals per currency (decimal strings). */
  revenue: Record<string, string>;
}

/** The standard normal CDF (Abramowitz & Stegun 26.2.17, |error| < 7.5e-8). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const upper = (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * poly;
  return z >= 0 ? 1 - upper : upper;
}

/** Two-sided p-value of the pooled two-proportion z-test of x1/n1 against x2/n2 (1 when undefined). */
export function twoProportionPValue(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  const z = (x1 / n1 - x2 / n2) / se;
  return 2 * (1 - normalCdf(Math.abs(z)));
}

export function variantComparisonOf(counts: VariantCount[]): VariantComparison {
  const variants = [...counts]
    .sort((a, b) => a.variant.localeCompare(b.variant))
    .map((c) => {
      const interval = c.carts === 0 ? null : wilsonInterval(c.converted, c.carts);
      return {
        ...c,
        conversionRate: round(c.carts === 0 ? 0 : c.converted / c.carts),
        conversionInterval: interval && { low: round(interval.low), high: round(interval.high) },
      };
    });
  const stillNeeded: Record<string, number> = {};
  for (const v of variants) {
    if (v.carts < WINNER_RULE.minCartsPerVariant) stillNeeded[v.variant] = WINNER_RULE.minCartsPerVariant - v.carts;
  }
  const tooSmall = variants.length < 2 || Object.keys(stillNeeded).length > 0;
  const base = {
    variants,
    rule: {
      test: 'two-proportion-z' as const,
      confidence: WINNER_RULE.confidence,
      minCartsPerVariant: WINNER_RULE.minCartsPerVariant,
      correction: 'bonferroni' as const,
    },
    tooSmall,
    stillNeeded,
  };
  if (tooSmall) return { ...base, winner: null, why: 'too-small' };
  const rate = (v: VariantCount) => v.converted / v.carts;
  const best = variants.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const alpha = (1 - WINNER_RULE.confidence) / (variants.length - 1);
  const beatsAll = variants.every(
    (v) => v === best || twoProportionPValue(best.converted, best.carts, v.converted, v.carts) < alpha,
  );
  return beatsAll
    ? { ...base, winner: best.variant, why: 'significant' }
    : { ...base, winner: null, why: 'no-significant-difference' };
}

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
