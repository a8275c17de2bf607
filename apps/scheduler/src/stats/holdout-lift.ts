import type { HoldoutStats } from '@lib/contracts';

/**
 * The lift the messages made, from the holdout's two arms (docs/scheduler.md "Holdout"), pure:
 * conversion rates, their difference with Newcombe's hybrid score interval (Newcombe 1998,
 * method 10: Wilson intervals of each rate combined), and the relative lift with Katz's log
 * interval for a ratio of proportions. Both at 95%.
 */

/** The 0.975 quantile of the standard normal: a two-sided 95% interval. */
const Z95 = 1.959963984540054;

export interface ArmCount {
  carts: number;
  converted: number;
}

export interface Interval {
  low: number;
  high: number;
}

/** Wilson's score interval of a proportion x / n (n > 0). */
export function wilsonInterval(x: number, n: number, z = Z95): Interval {
  const p = x / n;
  const z2 = z * z;
  const centre = 2 * n * p + z2;
  const spread = z * Math.sqrt(z2 + 4 * n * p * (1 - p));
  const denominator = 2 * (n + z2);
  return { low: Math.max(0, (centre - spread) / denominator), high: Math.min(1, (centre + spread) / denominator) };
}

/** Newcombe's interval of p1 − p2 (x1/n1 − x2/n2), from each proportion's Wilson interval. */
export function differenceInterval(x1: number, n1: number, x2: number, n2: number, z = Z95): Interval {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const w1 = wilsonInterval(x1, n1, z);
  const w2 = wilsonInterval(x2, n2, z);
  const d = p1 - p2;
  return {
    low: d - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
    high: d + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
  };
}

/** Katz's log interval of the ratio (x1/n1) / (x2/n2); null when either count is 0. */
export function ratioInterval(x1: number, n1: number, x2: number, n2: number, z = Z95): Interval | null {
  if (x1 === 0 || x2 === 0) return null;
  const ratio = x1 / n1 / (x2 / n2);
  const se = Math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2);
  return { low: ratio * Math.exp(-z * se), high: ratio * Math.exp(z * se) };
}

export function holdoutLiftOf(treated: ArmCount, heldOut: ArmCount): HoldoutStats {
  const arm = (a: ArmCount) => ({ ...a, conversionRate: round(a.carts === 0 ? 0 : a.converted / a.carts) });
  const bothArms = treated.carts > 0 && heldOut.carts > 0;
  const p1 = treated.carts === 0 ? 0 : treated.converted / treated.carts;
  const p2 = heldOut.carts === 0 ? 0 : heldOut.converted / heldOut.carts;
  const absoluteInterval = bothArms
    ? differenceInterval(treated.converted, treated.carts, heldOut.converted, heldOut.carts)
    : null;
  const ratio = bothArms ? ratioInterval(treated.converted, treated.carts, heldOut.converted, heldOut.carts) : null;
  return {
    treated: arm(treated),
    heldOut: arm(heldOut),
    lift: {
      absolute: bothArms ? round(p1 - p2) : null,
      absoluteInterval: absoluteInterval && { low: round(absoluteInterval.low), high: round(absoluteInterval.high) },
      relative: bothArms && heldOut.converted > 0 ? round((p1 - p2) / p2) : null,
      relativeInterval: ratio && { low: round(ratio.low - 1), high: round(ratio.high - 1) },
      confidence: 0.95,
      method: 'newcombe-wilson',
    },
  };
}

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
