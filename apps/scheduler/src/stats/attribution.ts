import { ATTRIBUTION_DEFAULTS, type AttributionSettings } from '@lib/contracts';

/**
 * Which orders a message counts for (docs/reading-the-figures.md), pure. The stats' SQL counts
 * with the same rule (stats-sql.ts `attributionKind`, checked against this one on the real
 * PostgreSQL in test/stats.int-spec.ts).
 *
 * - recovered-after-click: the order came within `clickWindowHours` after the shopper's first
 *   counted click on the message's link (the click is the stronger evidence, so it wins);
 * - recovered-after-message (view-through): within `messageWindowHours` after the message was
 *   delivered (a read message was delivered, even when its delivery status never came);
 * - not-attributed: any other order, e.g. days after a message nobody clicked.
 *
 * Windows are closed at both ends: an order at the click's instant or at the window's last
 * millisecond counts.
 */
export type AttributionKind = 'recovered-after-click' | 'recovered-after-message' | 'not-attributed';

export const ATTRIBUTED_KINDS = ['recovered-after-click', 'recovered-after-message'] as const;

const HOUR_MS = 3_600_000;

/** A message's times (epoch ms; null when that status never came) and the cart's order. */
export interface AttributionInput {
  sentAt: number | null;
  deliveredAt: number | null;
  readAt: number | null;
  /** The first counted click on the message's link; absent while clicks are not tracked. */
  firstClickAt?: number | null;
  orderAt: number;
}

export function attributionKind(
  input: AttributionInput,
  windows: AttributionSettings = ATTRIBUTION_DEFAULTS,
): AttributionKind {
  const click = input.firstClickAt ?? null;
  if (click !== null && within(input.orderAt, click, windows.clickWindowHours)) return 'recovered-after-click';
  const delivered = input.deliveredAt ?? input.readAt;
  if (delivered !== null && within(input.orderAt, delivered, windows.messageWindowHours)) {
    return 'recovered-after-message';
  }
  return 'not-attributed';
}

/**
 * Whether a cart of the holdout comparison converted within `hours` of its send decision: the
 * instant the message went (treated) or would have gone (held out; the episode's closed_at).
 * Both arms are counted from that same instant, whatever became of the message afterwards, so
 * the comparison is between like groups (docs/reading-the-figures.md, "Lift").
 */
export function convertedWithin(decidedAt: number, orderAt: number | null, hours: number): boolean {
  return orderAt !== null && orderAt > decidedAt && orderAt <= decidedAt + hours * HOUR_MS;
}

/** The store's windows, defaults filled (settings written before the field existed have none). */
export function attributionWindows(settings: { attribution?: Partial<AttributionSettings> } | null | undefined) {
  return { ...ATTRIBUTION_DEFAULTS, ...settings?.attribution };
}

function within(orderAt: number, start: number, hours: number): boolean {
  return orderAt >= start && orderAt <= start + hours * HOUR_MS;
}
