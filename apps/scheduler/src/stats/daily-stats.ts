/**
 * The daily aggregates the retention purge leaves behind (`stats_daily`, docs/data-lifecycle.md):
 * which of their days a stats window counts. A purged day is counted whole, by the UTC day of
 * detection: it counts when its midnight (UTC) falls in [from, to). A window whose ends are UTC
 * midnights therefore counts exactly what it counted before the purge.
 */

/** The days [firstDay, endDay) (YYYY-MM-DD, UTC) of `stats_daily` the window [from, to) counts. */
export function dailyRange(from: Date, to: Date): { firstDay: string; endDay: string } {
  return { firstDay: midnightAtOrAfter(from), endDay: midnightAtOrAfter(to) };
}

function midnightAtOrAfter(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  if (day.getTime() < at.getTime()) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/**
 * Metrics of `stats_daily` besides `skipped` (key: reason), `billable` (key: pricing category), `recovered` and the attribution
 * kinds `recovered-after-click`, `recovered-after-message`, `not-attributed` (key: currency,
 * with the orders' amount), `arm` and `arm-converted` (key: arm) and ARM_WINDOW_METRICS.
 */
export const DAILY_COUNTS = [
  'abandoned',
  'scheduled',
  'cancelled',
  'emitted',
  'sent',
  'delivered',
  'read',
  'clicked',
  'failed',
  'deferred',
  'expired',
  'paced',
  'releasedAfterClosing',
  'limitedByMeta',
] as const;

/**
 * The holdout arms' carts converted within each attribution window, rolled up with the window
 * the store had at the purge (key `<arm>:<currency>`, with the orders' amount).
 */
export const ARM_WINDOW_METRICS = { click: 'arm-converted-click', message: 'arm-converted-message' } as const;

/**
 * The A/B variants' counts (stats-sql.ts VARIANT_COUNTS, key: variant) and conversions
 * (`variant-converted`, key `<variant>:<currency>`, with the orders' amount).
 */
export const VARIANT_METRICS = {
  carts: 'variant-carts',
  sent: 'variant-sent',
  delivered: 'variant-delivered',
  read: 'variant-read',
  clicked: 'variant-clicked',
  converted: 'variant-converted',
} as const;
