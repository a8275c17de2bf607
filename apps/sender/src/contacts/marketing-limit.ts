/** 131049: Meta kept a marketing message back (its per-user marketing limit, adaptive, unpublished). */
export const LIMITED_BY_META = 131049;

/** Meta: wait at least 24 hours before sending that user marketing again. */
export const MARKETING_LIMIT_HOURS = 24;

/** A shopper Meta limited for a store, and until when no reminder goes to them. */
export interface MarketingLimit {
  storeId: string;
  phone: string;
  until: Date;
}

/** The hold a 131049 at `failedAt` puts on its shopper; never shorter than one already there. */
export function marketingLimitOf(
  message: { storeId: string; phone: string },
  failedAt: Date,
  current?: Date,
): MarketingLimit {
  const until = new Date(failedAt.getTime() + MARKETING_LIMIT_HOURS * 3_600_000);
  return { storeId: message.storeId, phone: message.phone, until: current && current > until ? current : until };
}

/** Whether a limit holds the shopper back at `at` (a send decision asks this). */
export function limitedByMeta(limit: { until: Date } | undefined, at: Date): boolean {
  return limit !== undefined && limit.until.getTime() > at.getTime();
}
