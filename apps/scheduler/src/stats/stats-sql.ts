import { ATTRIBUTION_DEFAULTS, OUTCOME_REASON } from '@lib/contracts';

/**
 * What each count of the stats means, in SQL, written once: the stats API counts live rows
 * with these, and the retention purge rolls the rows it deletes up into `stats_daily` with the
 * same ones (docs/scheduler.md "Stats", docs/data-lifecycle.md). Aliases: `a` a closed episode
 * (abandonments), `o` its outcome (message_outcomes, LEFT JOINed by send_id), `c` a cart row.
 */

const WENT_OUT = 'COALESCE(o.sent_at, o.delivered_at, o.read_at) IS NOT NULL';

/** The counts of closed episodes (`a` LEFT JOIN `o`), as aggregate expressions. */
export const CLOSED_COUNTS = {
  abandoned: 'count(*)',
  scheduled: 'count(*) FILTER (WHERE a.due_at IS NOT NULL)',
  emitted: "count(*) FILTER (WHERE a.status = 'emitted')",
  sent: `count(*) FILTER (WHERE ${WENT_OUT})`,
  delivered: 'count(*) FILTER (WHERE COALESCE(o.delivered_at, o.read_at) IS NOT NULL)',
  read: 'count(*) FILTER (WHERE o.read_at IS NOT NULL)',
  // A message whose link the shopper followed at least once (ingest counts no preview or bot).
  clicked: 'count(*) FILTER (WHERE EXISTS (SELECT 1 FROM link_clicks lc WHERE lc.send_id = a.send_id))',
  failed: 'count(*) FILTER (WHERE o.failed_at IS NOT NULL AND COALESCE(o.delivered_at, o.read_at) IS NULL)',
  deferred: `count(*) FILTER (WHERE o.deferred_at IS NOT NULL AND COALESCE(o.sent_at, o.delivered_at, o.read_at,
    o.failed_at, o.skipped_at, o.expired_at) IS NULL)`,
  expired: `count(*) FILTER (WHERE a.status = 'expired' OR (o.expired_at IS NOT NULL AND NOT (${WENT_OUT})))`,
  // Paced templates: Meta held the message back at some point; released while the store was closed.
  paced: 'count(*) FILTER (WHERE o.paced_at IS NOT NULL)',
  releasedAfterClosing: 'count(*) FILTER (WHERE o.released_after_closing_at IS NOT NULL)',
  // Among the failed: Meta's per-user marketing limit (131049).
  limitedByMeta: `count(*) FILTER (WHERE o.failed_reason = '${OUTCOME_REASON.limitedByMeta}'
    AND COALESCE(o.delivered_at, o.read_at) IS NULL)`,
} as const;

/** A cart row whose open episode counts as an abandonment (detected, detection time passed). */
export const OPEN_ABANDONMENT =
  "c.status IN ('scheduled', 'expiring', 'cancelled', 'disabled') AND c.detected_at <= now()";

/** The counts of open episodes (`c`, filtered by OPEN_ABANDONMENT). */
export const OPEN_COUNTS = {
  abandoned: 'count(*)',
  scheduled: 'count(*) FILTER (WHERE c.due_at IS NOT NULL)',
  pending: "count(*) FILTER (WHERE c.status = 'scheduled')",
  cancelled: "count(*) FILTER (WHERE c.status = 'cancelled')",
} as const;

/** A closed episode whose message Meta priced billable (its latest status webhook's pricing)… */
export const BILLABLE = 'o.billable IS TRUE';
/** …and its pricing category ('' when Meta named none). */
export const PRICING_CATEGORY = "COALESCE(o.pricing_category, '')";

/** A closed episode that counts as skipped (by the scheduler, or by the sender before it went out)… */
export const SKIPPED = `(a.status = 'skipped' OR (o.skipped_at IS NOT NULL AND NOT (${WENT_OUT})))`;
/** …and its reason. */
export const SKIPPED_REASON = "CASE WHEN a.status = 'skipped' THEN a.reason ELSE o.skipped_reason END";

/**
 * The recovered carts among those `where` selects (on `a`): each cart converted after a message
 * went out counts once, for its latest episode whose message went out before the order, however
 * long after ("orders after a message, any time"). Columns: store_id, cart_id, detected_at (of
 * that episode), total, currency, and that message's send_id, delivered_at, read_at and the
 * order's converted_at.
 */
export function recoveredEpisodes(where: string): string {
  return `SELECT DISTINCT ON (a.store_id, a.cart_id) a.store_id, a.cart_id, a.detected_at,
           c.order_total AS total, c.order_currency AS currency,
           a.send_id, o.delivered_at, o.read_at, c.converted_at
         FROM abandonments a
         JOIN message_outcomes o ON o.send_id = a.send_id
         JOIN carts c ON c.store_id = a.store_id AND c.cart_id = a.cart_id
         WHERE a.status = 'emitted' AND c.converted_at > LEAST(o.sent_at, o.delivered_at, o.read_at) AND ${where}
         ORDER BY a.store_id, a.cart_id, a.episode DESC`;
}

/**
 * The conversions of the experiment among the closed episodes `where` selects (on `a`), by the
 * group each episode was drawn into (`arm`: the holdout's arms; `variant`: the A/B variants):
 * each cart converted after detection counts once, for its latest episode in a group before the
 * order. Columns: store_id, cart_id, the group's column, detected_at, total, currency.
 */
export function groupConversions(group: 'arm' | 'variant', where: string): string {
  return `SELECT DISTINCT ON (a.store_id, a.cart_id) a.store_id, a.cart_id, a.${group}, a.detected_at,
           c.order_total AS total, c.order_currency AS currency
         FROM abandonments a
         JOIN carts c ON c.store_id = a.store_id AND c.cart_id = a.cart_id
         WHERE a.${group} IS NOT NULL AND c.converted_at > a.detected_at AND ${where}
         ORDER BY a.store_id, a.cart_id, a.episode DESC`;
}

/** The per-variant counts of closed episodes in an A/B variant (`a` LEFT JOIN `o`, GROUP BY a.variant). */
export const VARIANT_COUNTS = {
  carts: 'count(*)',
  sent: CLOSED_COUNTS.sent,
  delivered: CLOSED_COUNTS.delivered,
  read: CLOSED_COUNTS.read,
  clicked: CLOSED_COUNTS.clicked,
} as const;

/**
 * The first counted click on the link of the message `sendId` names, as a timestamptz, or NULL
 * (no click, or a store without tracked links): from `link_clicks`, which the scheduler keeps
 * from `link-clicks`.
 */
export function firstClickAt(sendId: string): string {
  return `(SELECT lc.first_clicked_at FROM link_clicks lc WHERE lc.send_id = ${sendId})`;
}

/** The attribution windows of the store whose `store_settings` row is `s` (LEFT JOINed). */
export const CLICK_WINDOW = `make_interval(hours => COALESCE((s.settings->'attribution'->>'clickWindowHours')::int,
  ${ATTRIBUTION_DEFAULTS.clickWindowHours}))`;
export const MESSAGE_WINDOW = `make_interval(hours => COALESCE((s.settings->'attribution'->>'messageWindowHours')::int,
  ${ATTRIBUTION_DEFAULTS.messageWindowHours}))`;

/**
 * The recovered carts of recoveredEpisodes, each with its attribution `kind` (stats/attribution.ts
 * `attributionKind`, the same rule): after click, after message (view-through) or not attributed,
 * by the store's windows. Columns: store_id, cart_id, detected_at, total, currency, kind.
 * `clickOf` gives the first click's SQL for a send_id column (firstClickAt; a test passes its own).
 */
export function attributedOrders(where: string, clickOf: (sendId: string) => string = firstClickAt): string {
  const click = clickOf('r.send_id');
  const delivered = 'COALESCE(r.delivered_at, r.read_at)';
  return `SELECT r.store_id, r.cart_id, r.detected_at, r.total, r.currency,
           CASE WHEN ${click} IS NOT NULL AND r.converted_at >= ${click}
                     AND r.converted_at <= ${click} + ${CLICK_WINDOW} THEN 'recovered-after-click'
                WHEN ${delivered} IS NOT NULL AND r.converted_at >= ${delivered}
                     AND r.converted_at <= ${delivered} + ${MESSAGE_WINDOW} THEN 'recovered-after-message'
                ELSE 'not-attributed' END AS kind
         FROM (${recoveredEpisodes(where)}) r
         LEFT JOIN store_settings s ON s.store_id = r.store_id`;
}

/**
 * The holdout's carts converted within each window after their send decision (stats/attribution.ts
 * `convertedWithin`): each cart once, for its latest episode drawn into an arm whose decision
 * (closed_at: the message went or would have gone) came before the order. Columns: store_id,
 * cart_id, arm, detected_at, total, currency, in_click, in_message (booleans: within the store's
 * click and message windows).
 */
export function armWindowConversions(where: string): string {
  return `SELECT w.store_id, w.cart_id, w.arm, w.detected_at, w.total, w.currency,
           w.converted_at <= w.closed_at + ${CLICK_WINDOW} AS in_click,
           w.converted_at <= w.closed_at + ${MESSAGE_WINDOW} AS in_message
         FROM (
           SELECT DISTINCT ON (a.store_id, a.cart_id) a.store_id, a.cart_id, a.arm, a.detected_at, a.closed_at,
             c.converted_at, c.order_total AS total, c.order_currency AS currency
           FROM abandonments a
           JOIN carts c ON c.store_id = a.store_id AND c.cart_id = a.cart_id
           WHERE a.arm IS NOT NULL AND c.converted_at > a.closed_at AND ${where}
           ORDER BY a.store_id, a.cart_id, a.episode DESC
         ) w
         LEFT JOIN store_settings s ON s.store_id = w.store_id`;
}

/** `expressions` as a SELECT list: `<sql> AS "<name>"` (quoted: the names keep their case). */
export function selectList(expressions: Record<string, string>): string {
  return Object.entries(expressions)
    .map(([name, sql]) => `${sql} AS "${name}"`)
    .join(', ');
}
