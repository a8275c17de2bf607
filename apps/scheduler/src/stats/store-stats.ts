import type { AttributionSettings, AttributionStats, StoreStats } from '@lib/contracts';
import type { Arm } from '../experiments/holdout';
import type { AttributionKind } from './attribution';
import { holdoutLiftOf, type ArmCount } from './holdout-lift';
import { variantComparisonOf, type VariantCount } from './variant-comparison';
import { windowComparisonOf, type WindowArmCount } from './window-lift';

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
  clicked: number;
  failed: number;
  deferred: number;
  expired: number;
  paced: number;
  releasedAfterClosing: number;
  limitedByMeta: number;
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
  /** The store's windows and the recovered orders by attribution kind (absent: no attribution). */
  windows?: AttributionSettings;
  attributed?: Array<{ kind: AttributionKind; currency: string | null; count: number; revenue: string | null }>;
  /** The arms within each window (absent or null: no holdout, or no window figures). */
  armWindows?: Record<'click' | 'message', Record<Arm, WindowArmCount>> | null;
  /** The messages Meta priced billable, by pricing category (absent: the cost is left out). */
  billable?: Array<{ category: string | null; count: number }>;
  /** The A/B variants' counts (absent or empty: no episode of the window was in a variant). */
  variantCounts?: VariantCount[];
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
    ...(input.arms ? { holdout: holdoutOf(input.arms, input.windows, input.armWindows) } : {}),
    ...(input.windows && input.attributed ? { attribution: attributionOf(input.windows, input.attributed) } : {}),
    ...(input.billable ? { cost: costOf(input.billable, counts.sent, recovered) } : {}),
    ...(input.variantCounts && input.variantCounts.length > 0
      ? { variants: variantComparisonOf(input.variantCounts) }
      : {}),
  };
}

/**
 * What the messages cost, in messages: those Meta bills (its `pricing.billable`, per pricing
 * category), and the messages sent and billed per recovered order (orders after a message,
 * any time; null while none). Money is left to the merchant's rate card: Meta's prices vary
 * by market, category and volume tier.
 */
function costOf(
  billable: Array<{ category: string | null; count: number }>,
  sent: number,
  recovered: number,
): NonNullable<StoreStats['cost']> {
  const byCategory: Record<string, number> = {};
  for (const b of billable) byCategory[b.category ?? 'unknown'] = (byCategory[b.category ?? 'unknown'] ?? 0) + b.count;
  const billableMessages = Object.values(byCategory).reduce((a, b) => a + b, 0);
  const perOrder = (n: number) => (recovered === 0 ? null : Math.round((n / recovered) * 100) / 100);
  return {
    billableMessages,
    billableByCategory: byCategory,
    messagesPerRecoveredOrder: perOrder(sent),
    billableMessagesPerRecoveredOrder: perOrder(billableMessages),
  };
}

function holdoutOf(
  arms: Record<Arm, ArmCount>,
  windows: AttributionSettings | undefined,
  armWindows: Record<'click' | 'message', Record<Arm, WindowArmCount>> | null | undefined,
): NonNullable<StoreStats['holdout']> {
  const holdout = holdoutLiftOf(arms.treated, arms.holdout);
  if (!windows || !armWindows) return holdout;
  const { click, message } = armWindows;
  return {
    ...holdout,
    withinWindows: {
      click: windowComparisonOf(windows.clickWindowHours, click.treated, click.holdout),
      message: windowComparisonOf(windows.messageWindowHours, message.treated, message.holdout),
    },
  };
}

const KIND_FIELD = {
  'recovered-after-click': 'recoveredAfterClick',
  'recovered-after-message': 'recoveredAfterMessage',
  'not-attributed': 'notAttributed',
} as const;

function attributionOf(
  windows: AttributionSettings,
  attributed: NonNullable<Parameters<typeof storeStatsOf>[0]['attributed']>,
): AttributionStats {
  const out: AttributionStats = {
    clickWindowHours: windows.clickWindowHours,
    messageWindowHours: windows.messageWindowHours,
    recoveredAfterClick: { orders: 0, revenue: {} },
    recoveredAfterMessage: { orders: 0, revenue: {} },
    notAttributed: { orders: 0, revenue: {} },
  };
  for (const r of attributed) {
    const kind = out[KIND_FIELD[r.kind]];
    kind.orders += r.count;
    if (r.currency && r.revenue !== null) kind.revenue[r.currency] = r.revenue;
  }
  return out;
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
