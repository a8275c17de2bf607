// The holdout's lift in one sentence a merchant reads: raised (or lowered) the share of carts
// bought, with its 95% interval, or "not enough carts yet" while the interval holds 0, an arm
// has no carts, or the stats say the sample is too small. The numbers are the scheduler's.
import type { Words } from './i18n';

/** The stats' `holdout` section (libs/contracts HoldoutStats), the fields the sentence needs. */
export interface Holdout {
  treated: { carts: number; converted: number; conversionRate: number };
  heldOut: { carts: number; converted: number; conversionRate: number };
  lift: { absolute: number | null; absoluteInterval: { low: number; high: number } | null };
  /** Set by stats that judge the sample themselves (too few carts or conversions). */
  tooSmall?: boolean;
}

export type LiftVerdict = 'raised' | 'lowered' | 'unknown';

export function liftVerdict(holdout: Holdout): LiftVerdict {
  const { absolute, absoluteInterval } = holdout.lift;
  if (holdout.tooSmall === true || absolute === null || absoluteInterval === null) return 'unknown';
  if (absoluteInterval.low > 0) return 'raised';
  if (absoluteInterval.high < 0) return 'lowered';
  return 'unknown';
}

export function liftSentence(holdout: Holdout, words: Words, language: string): string {
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
  const verdict = liftVerdict(holdout);
  const fill = (text: string) =>
    text
      .replace('{heldOut}', percent.format(holdout.heldOut.conversionRate))
      .replace('{treated}', percent.format(holdout.treated.conversionRate))
      .replace('{points}', points(holdout.lift.absolute ?? 0, language))
      .replace('{low}', points(holdout.lift.absoluteInterval?.low ?? 0, language))
      .replace('{high}', points(holdout.lift.absoluteInterval?.high ?? 0, language));
  return fill(verdict === 'raised' ? words.liftRaised : verdict === 'lowered' ? words.liftLowered : words.liftUnknown);
}

/** A difference of rates as percentage points with its sign (+3, -1.5). */
export function points(difference: number, language: string): string {
  return new Intl.NumberFormat(language, { signDisplay: 'exceptZero', maximumFractionDigits: 1 }).format(
    Math.round(difference * 1000) / 10,
  );
}
