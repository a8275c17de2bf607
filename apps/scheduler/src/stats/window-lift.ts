import type { WindowComparison } from '@lib/contracts';
import { holdoutLiftOf } from './holdout-lift';

/**
 * One attribution window's holdout comparison (docs/reading-the-figures.md), pure: the arms'
 * rates and lift (holdout-lift.ts: Newcombe's and Katz's intervals), what the messages added,
 * and the too-small rule.
 *
 * Incremental orders = (treated rate − held-out rate) × treated carts, with the absolute lift's
 * interval scaled the same way; incremental revenue per currency = (treated revenue / treated
 * carts − held-out revenue / held-out carts) × treated carts, computed exactly on the decimal
 * totals and rounded half away from zero to the most digits they carry.
 *
 * Too small: while either arm has fewer than MIN_CARTS_PER_ARM carts or fewer than
 * MIN_CONVERSIONS_PER_ARM conversions in the window. Below that an interval may exclude 0 by
 * luck of a handful of orders; the figures are shown, flagged, with what each arm still lacks.
 */
export const MIN_CARTS_PER_ARM = 100;
export const MIN_CONVERSIONS_PER_ARM = 10;

export interface WindowArmCount {
  carts: number;
  converted: number;
  /** Totals of the converted carts' orders, per currency (decimal strings). */
  revenue: Record<string, string>;
}

export function windowComparisonOf(hours: number, treated: WindowArmCount, heldOut: WindowArmCount): WindowComparison {
  const { treated: t, heldOut: h, lift } = holdoutLiftOf(treated, heldOut);
  const bothArms = treated.carts > 0 && heldOut.carts > 0;
  const scale = (v: number) => Math.round(v * treated.carts * 100) / 100;
  const revenue: Record<string, string> = {};
  if (bothArms) {
    for (const currency of new Set([...Object.keys(treated.revenue), ...Object.keys(heldOut.revenue)]).values()) {
      revenue[currency] = incrementalRevenue(
        treated.revenue[currency] ?? '0',
        treated.carts,
        heldOut.revenue[currency] ?? '0',
        heldOut.carts,
      );
    }
  }
  const stillNeeded = {
    treatedCarts: Math.max(0, MIN_CARTS_PER_ARM - treated.carts),
    heldOutCarts: Math.max(0, MIN_CARTS_PER_ARM - heldOut.carts),
    treatedConversions: Math.max(0, MIN_CONVERSIONS_PER_ARM - treated.converted),
    heldOutConversions: Math.max(0, MIN_CONVERSIONS_PER_ARM - heldOut.converted),
  };
  return {
    hours,
    treated: { ...t, revenue: { ...treated.revenue } },
    heldOut: { ...h, revenue: { ...heldOut.revenue } },
    lift,
    incremental: {
      orders: bothArms ? scale(treated.converted / treated.carts - heldOut.converted / heldOut.carts) : null,
      ordersInterval: lift.absoluteInterval && {
        low: scale(lift.absoluteInterval.low),
        high: scale(lift.absoluteInterval.high),
      },
      revenue,
      method: 'difference-in-rates-times-treated-carts',
    },
    tooSmall: Object.values(stillNeeded).some((n) => n > 0),
    stillNeeded,
  };
}

/** (rt / nt − rh / nh) × nt = (rt·nh − rh·nt) / nh, on decimals scaled to integers. */
export function incrementalRevenue(rt: string, nt: number, rh: string, nh: number): string {
  const digits = Math.max(decimals(rt), decimals(rh));
  const numerator = scaled(rt, digits) * BigInt(nh) - scaled(rh, digits) * BigInt(nt);
  const denominator = BigInt(nh);
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  // Half away from zero: add half the denominator before the integer division.
  const rounded = (magnitude * 2n + denominator) / (denominator * 2n);
  return (negative && rounded > 0n ? '-' : '') + decimalOf(rounded, digits);
}

function decimals(v: string): number {
  const dot = v.indexOf('.');
  return dot < 0 ? 0 : v.length - dot - 1;
}

function scaled(v: string, digits: number): bigint {
  const [whole, fraction = ''] = v.split('.');
  return BigInt(whole + fraction.padEnd(digits, '0'));
}

function decimalOf(units: bigint, digits: number): string {
  if (digits === 0) return units.toString();
  const text = units.toString().padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
