import type { StoreStats } from '@lib/contracts';
import type { Arm } from '../experiments/holdout';
import { holdoutLiftOf, type ArmCount } from './holdout-lift';

/**
 * The stats of one store over a window of abandonments (by `detectedAt` in [from, to)): what
 * became of the carts abandoned then. Definitions in docs/scheduler.md (stats); the shape is the
 * contracts' (StoreStatsSchema, shown in docs/api/scheduler.openapi.json).
 */
export type { StoreStats };

export interface StatsCounts {
  abandoned: number;
  scheduled: number;
  pending: number;
  cancelled: number;
  emitted: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  deferred: number;
  expired: number;
}

export function storeStatsOf(input: {
  storeId: string;
  from: Date;
  to: Date;
  counts: StatsCounts;
  skippedByReason: Array<{ reason: string | null; count: number }>;
  recovered: Array<{ currency: string | null; count: number; revenue: string | null }>;
  /** The holdout's arms; absent or null when no cart of the window was drawn into one. */
  arms?: Record<Arm, ArmCount> | null;
}): StoreStats {
  const { counts } = input;
  const byReason: Record<string, number> = {};
  for (const r of input.skippedByReason)
    byReason[r.reason ?? 'unknown'] = (byReason[r.reason ?? 'unknown'] ?? 0) + r.count;
  const recovered = input.recovered.reduce((n, r) => n + r.count, 0);
  const recoveredRevenue: Record<string, string> = {};
  for (const r of input.recovered) if (r.currency && r.revenue !== null) recoveredRevenue[r.currency] = r.revenue;
  return {
    storeId: input.storeId,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    ...counts,
    skipped: { total: Object.values(byReason).reduce((a, b) => a + b, 0), byReason },
    recovered,
    recoveredRevenue,
    recoveryRate: rate(recovered, counts.abandoned),
    recoveryRateOfSent: rate(recovered, counts.sent),
    ...(input.arms ? { holdout: holdoutLiftOf(input.arms.treated, input.arms.holdout) } : {}),
  };
}

function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

export const MAX_WINDOW_DAYS = 366;

/** Reads `from`/`to` (RFC 3339): default the last 30 days; an error text for a 400. */
export function statsWindow(
  query: { from?: string; to?: string },
  now: Date,
): { ok: true; from: Date; to: Date } | { ok: false; error: string } {
  const parse = (name: string, v: string | undefined): Date | string | undefined => {
    if (v === undefined || v === '') return undefined;
    const rfc3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/i;
    const d = new Date(v);
    return rfc3339.test(v) && !Number.isNaN(d.getTime()) ? d : `${name} must be an RFC 3339 date or date-time`;
  };
  const to = parse('to', query.to) ?? now;
  if (typeof to === 'string') return { ok: false, error: to };
  const from = parse('from', query.from) ?? new Date(to.getTime() - 30 * 86_400_000);
  if (typeof from === 'string') return { ok: false, error: from };
  if (from.getTime() >= to.getTime()) return { ok: false, error: 'from must be before to' };
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
    return { ok: false, error: `the window may span at most ${MAX_WINDOW_DAYS} days` };
  }
  return { ok: true, from, to };
}
