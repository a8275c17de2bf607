import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ATTRIBUTION_DEFAULTS, type AttributionSettings } from '@lib/contracts';
import type { Arm } from '../experiments/holdout';
import { attributionWindows, type AttributionKind } from './attribution';
import { ARM_WINDOW_METRICS, DAILY_COUNTS, dailyRange, VARIANT_METRICS } from './daily-stats';
import type { VariantCount } from './variant-comparison';
import type { ArmCount } from './holdout-lift';
import {
  groupConversions,
  armWindowConversions,
  attributedOrders,
  BILLABLE,
  CLOSED_COUNTS,
  OPEN_ABANDONMENT,
  OPEN_COUNTS,
  PRICING_CATEGORY,
  recoveredEpisodes,
  selectList,
  SKIPPED,
  SKIPPED_REASON,
  VARIANT_COUNTS,
} from './stats-sql';
import type { StatsCounts } from './store-stats';
import type { WindowArmCount } from './window-lift';

export type AttributedOrders = Array<{
  kind: AttributionKind;
  currency: string | null;
  count: number;
  revenue: string | null;
}>;

/** The holdout's arms within each window (null when no episode of the window was drawn). */
export type ArmWindows = Record<'click' | 'message', Record<Arm, WindowArmCount>>;

/**
 * The stats' SQL. Closed episodes live in `abandonments` (with the sender's outcomes joined by
 * sendId); open ones on the cart row, counted once their detection time has passed. What the
 * retention purge deleted is in `stats_daily`, by UTC day of detection, and added to both
 * (`dailyRange`: the days whose midnight is in the window).
 */
@Injectable()
export class StatsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async counts(storeId: string, from: Date, to: Date): Promise<StatsCounts> {
    const { firstDay, endDay } = dailyRange(from, to);
    const [[live], daily] = await Promise.all([
      this.dataSource.query(
        `WITH c AS (
           SELECT ${selectList(CLOSED_COUNTS)}
           FROM abandonments a LEFT JOIN message_outcomes o ON o.send_id = a.send_id
           WHERE a.store_id = $1 AND a.detected_at >= $2 AND a.detected_at < $3
         ), p AS (
           SELECT ${selectList(OPEN_COUNTS)}
           FROM carts c
           WHERE c.store_id = $1 AND ${OPEN_ABANDONMENT} AND c.detected_at >= $2 AND c.detected_at < $3
         )
         SELECT c.abandoned + p.abandoned AS abandoned, c.scheduled + p.scheduled AS scheduled, p.pending,
                p.cancelled, c.emitted, c.sent, c.delivered, c.read, c.clicked, c.failed, c.deferred, c.expired,
                c.paced, c."releasedAfterClosing", c."limitedByMeta"
         FROM c, p`,
        [storeId, from, to],
      ),
      this.dataSource.query(
        `SELECT metric, sum(count)::bigint AS count FROM stats_daily
         WHERE store_id = $1 AND day >= $2 AND day < $3 AND metric = ANY($4::text[])
         GROUP BY metric`,
        [storeId, firstDay, endDay, DAILY_COUNTS],
      ) as Promise<Array<{ metric: string; count: string }>>,
    ]);
    const counts = Object.fromEntries(Object.entries(live).map(([k, v]) => [k, Number(v)])) as Record<string, number>;
    for (const d of daily) counts[d.metric] += Number(d.count);
    return counts as unknown as StatsCounts;
  }

  /** Skips decided by the scheduler (frequency-cap, opted-out) and by the sender, by reason. */
  async skippedByReason(
    storeId: string,
    from: Date,
    to: Date,
  ): Promise<Array<{ reason: string | null; count: number }>> {
    const { firstDay, endDay } = dailyRange(from, to);
    const rows: Array<{ reason: string | null; count: string }> = await this.dataSource.query(
      `SELECT reason, sum(n) AS count FROM (
         SELECT ${SKIPPED_REASON} AS reason, 1 AS n
         FROM abandonments a LEFT JOIN message_outcomes o ON o.send_id = a.send_id
         WHERE a.store_id = $1 AND a.detected_at >= $2 AND a.detected_at < $3 AND ${SKIPPED}
         UNION ALL
         SELECT NULLIF(key, ''), count FROM stats_daily
         WHERE store_id = $1 AND day >= $4 AND day < $5 AND metric = 'skipped'
       ) s GROUP BY reason ORDER BY reason`,
      [storeId, from, to, firstDay, endDay],
    );
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
  }

  /** The A/B variants' counts and conversions; empty when no episode of the window was in a variant. */
  async variants(storeId: string, from: Date, to: Date): Promise<VariantCount[]> {
    const { firstDay, endDay } = dailyRange(from, to);
    const metrics = Object.entries(VARIANT_COUNTS);
    const rows: Array<{
      metric: string;
      variant: string;
      currency: string | null;
      count: string;
      revenue: string | null;
    }> = await this.dataSource.query(
      `SELECT metric, variant, currency, sum(n) AS count, sum(total)::text AS revenue FROM (
           SELECT m.metric, v.variant, NULL::text AS currency, m.n, NULL::numeric AS total
           FROM (SELECT a.variant, ${selectList(VARIANT_COUNTS)}
                 FROM abandonments a LEFT JOIN message_outcomes o ON o.send_id = a.send_id
                 WHERE a.store_id = $1 AND a.detected_at >= $2 AND a.detected_at < $3 AND a.variant IS NOT NULL
                 GROUP BY a.variant) v
           CROSS JOIN LATERAL (VALUES ${metrics.map(([k]) => `('${k}', v."${k}")`).join(', ')}) AS m(metric, n)
           UNION ALL
           SELECT 'converted', r.variant, r.currency, 1, r.total
           FROM (${groupConversions('variant', 'a.store_id = $1 AND a.detected_at >= $2')}) r WHERE r.detected_at < $3
           UNION ALL
           SELECT replace(metric, 'variant-', ''), split_part(key, ':', 1),
             CASE WHEN metric = '${VARIANT_METRICS.converted}' THEN NULLIF(split_part(key, ':', 2), '') END,
             count, amount
           FROM stats_daily
           WHERE store_id = $1 AND day >= $4 AND day < $5 AND metric = ANY($6::text[])
         ) s GROUP BY metric, variant, currency`,
      [storeId, from, to, firstDay, endDay, Object.values(VARIANT_METRICS)],
    );
    const byVariant = new Map<string, VariantCount>();
    for (const r of rows) {
      let v = byVariant.get(r.variant);
      if (!v) {
        v = { variant: r.variant, carts: 0, sent: 0, delivered: 0, read: 0, clicked: 0, converted: 0, revenue: {} };
        byVariant.set(r.variant, v);
      }
      const field = r.metric as keyof typeof VARIANT_METRICS;
      if (field === 'converted') {
        v.converted += Number(r.count);
        if (r.currency && r.revenue !== null) v.revenue[r.currency] = r.revenue;
      } else v[field] += Number(r.count);
    }
    return [...byVariant.values()];
  }

  /** The messages Meta priced billable, by its pricing category (null: none named). */
  async billable(storeId: string, from: Date, to: Date): Promise<Array<{ category: string | null; count: number }>> {
    const { firstDay, endDay } = dailyRange(from, to);
    const rows: Array<{ category: string; count: string }> = await this.dataSource.query(
      `SELECT category, sum(n) AS count FROM (
         SELECT ${PRICING_CATEGORY} AS category, 1 AS n
         FROM abandonments a JOIN message_outcomes o ON o.send_id = a.send_id
         WHERE a.store_id = $1 AND a.detected_at >= $2 AND a.detected_at < $3 AND ${BILLABLE}
         UNION ALL
         SELECT key, count FROM stats_daily
         WHERE store_id = $1 AND day >= $4 AND day < $5 AND metric = 'billable'
       ) b GROUP BY category ORDER BY category`,
      [storeId, from, to, firstDay, endDay],
    );
    return rows.map((r) => ({ category: r.category === '' ? null : r.category, count: Number(r.count) }));
  }

  /**
   * The holdout's arms: episodes drawn into each (at their send decision) and the carts of each
   * converted after detection. Null when no episode of the window was drawn into an arm.
   */
  async holdout(storeId: string, from: Date, to: Date): Promise<Record<Arm, ArmCount> | null> {
    const { firstDay, endDay } = dailyRange(from, to);
    const rows: Array<{ arm: Arm; carts: string; converted: string }> = await this.dataSource.query(
      `SELECT arm, sum(carts) AS carts, sum(converted) AS converted FROM (
         SELECT a.arm, 1 AS carts, 0 AS converted FROM abandonments a
         WHERE a.store_id = $1 AND a.detected_at >= $2 AND a.detected_at < $3 AND a.arm IS NOT NULL
         UNION ALL
         SELECT r.arm, 0, 1 FROM (${groupConversions('arm', 'a.store_id = $1 AND a.detected_at >= $2')}) r
         WHERE r.detected_at < $3
         UNION ALL
         SELECT key, CASE WHEN metric = 'arm' THEN count ELSE 0 END, CASE WHEN metric = 'arm' THEN 0 ELSE count END
         FROM stats_daily
         WHERE store_id = $1 AND day >= $4 AND day < $5 AND metric IN ('arm', 'arm-converted')
       ) s GROUP BY arm`,
      [storeId, from, to, firstDay, endDay],
    );
    if (rows.length === 0) return null;
    const arms: Record<Arm, ArmCount> = { treated: { carts: 0, converted: 0 }, holdout: { carts: 0, converted: 0 } };
    for (const r of rows) arms[r.arm] = { carts: Number(r.carts), converted: Number(r.converted) };
    return arms;
  }

  /** The store's attribution windows (its settings' or the defaults). */
  async windows(storeId: string): Promise<AttributionSettings> {
    const rows: Array<{ settings: { attribution?: AttributionSettings } | null }> = await this.dataSource.query(
      'SELECT settings FROM store_settings WHERE store_id = $1',
      [storeId],
    );
    return rows.length === 0 ? { ...ATTRIBUTION_DEFAULTS } : attributionWindows(rows[0].settings);
  }

  /** The recovered carts (orders after a message, any time) by attribution kind and currency. */
  async attributed(storeId: string, from: Date, to: Date): Promise<AttributedOrders> {
    const { firstDay, endDay } = dailyRange(from, to);
    const rows: Array<{ kind: AttributionKind; currency: string | null; count: string; revenue: string | null }> =
      await this.dataSource.query(
        `SELECT kind, currency, sum(n) AS count, sum(total)::text AS revenue FROM (
           SELECT r.kind, r.currency, 1 AS n, r.total FROM (
             ${attributedOrders('a.store_id = $1 AND a.detected_at >= $2')}
           ) r WHERE r.detected_at < $3
           UNION ALL
           SELECT metric, NULLIF(key, ''), count, amount FROM stats_daily
           WHERE store_id = $1 AND day >= $4 AND day < $5
             AND metric IN ('recovered-after-click', 'recovered-after-message', 'not-attributed')
         ) r
         GROUP BY kind, currency ORDER BY kind, currency`,
        [storeId, from, to, firstDay, endDay],
      );
    return rows.map((r) => ({ kind: r.kind, currency: r.currency, count: Number(r.count), revenue: r.revenue }));
  }

  /**
   * The holdout's arms within each window: the drawn carts of each arm (as in holdout()) and
   * those converted within the store's click and message windows after their send decision,
   * with the orders' totals per currency.
   */
  async armWindows(storeId: string, from: Date, to: Date): Promise<ArmWindows | null> {
    const { firstDay, endDay } = dailyRange(from, to);
    const rows: Array<{ metric: string; arm: Arm; currency: string | null; count: string; revenue: string | null }> =
      await this.dataSource.query(
        `SELECT metric, arm, currency, sum(n) AS count, sum(total)::text AS revenue FROM (
           SELECT 'arm' AS metric, a.arm, NULL::text AS currency, 1 AS n, NULL::numeric AS total FROM abandonments a
           WHERE a.store_id = $1 AND a.detected_at >= $2 AND a.detected_at < $3 AND a.arm IS NOT NULL
           UNION ALL
           SELECT m.metric, r.arm, r.currency, 1, r.total
           FROM (${armWindowConversions('a.store_id = $1 AND a.detected_at >= $2')}) r
           CROSS JOIN LATERAL (VALUES ('${ARM_WINDOW_METRICS.click}', r.in_click),
                                      ('${ARM_WINDOW_METRICS.message}', r.in_message)) AS m(metric, inside)
           WHERE r.detected_at < $3 AND m.inside
           UNION ALL
           SELECT metric, split_part(key, ':', 1), NULLIF(split_part(key, ':', 2), ''), count, amount
           FROM stats_daily
           WHERE store_id = $1 AND day >= $4 AND day < $5 AND metric = ANY($6::text[])
           UNION ALL
           SELECT 'arm', key, NULL, count, NULL FROM stats_daily
           WHERE store_id = $1 AND day >= $4 AND day < $5 AND metric = 'arm'
         ) s GROUP BY metric, arm, currency`,
        [storeId, from, to, firstDay, endDay, Object.values(ARM_WINDOW_METRICS)],
      );
    if (!rows.some((r) => r.metric === 'arm')) return null;
    const empty = (): Record<Arm, WindowArmCount> => ({
      treated: { carts: 0, converted: 0, revenue: {} },
      holdout: { carts: 0, converted: 0, revenue: {} },
    });
    const arms: ArmWindows = { click: empty(), message: empty() };
    for (const r of rows) {
      if (r.metric === 'arm') {
        arms.click[r.arm].carts += Number(r.count);
        arms.message[r.arm].carts += Number(r.count);
        continue;
      }
      const arm = arms[r.metric === ARM_WINDOW_METRICS.click ? 'click' : 'message'][r.arm];
      arm.converted += Number(r.count);
      if (r.currency && r.revenue !== null) arm.revenue[r.currency] = r.revenue;
    }
    return arms;
  }

  /**
   * Recovered carts per currency: the cart converted after a message went out. Each cart's
   * order counts once, for the latest message that went out before it.
   */
  async recovered(
    storeId: string,
    from: Date,
    to: Date,
  ): Promise<Array<{ currency: string | null; count: number; revenue: string | null }>> {
    const { firstDay, endDay } = dailyRange(from, to);
    const rows: Array<{ currency: string | null; count: string; revenue: string | null }> = await this.dataSource.query(
      `SELECT currency, sum(n) AS count, sum(total)::text AS revenue FROM (
         SELECT r.currency, 1 AS n, r.total FROM (
           ${recoveredEpisodes('a.store_id = $1 AND a.detected_at >= $2')}
         ) r WHERE r.detected_at < $3
         UNION ALL
         SELECT NULLIF(key, ''), count, amount FROM stats_daily
         WHERE store_id = $1 AND day >= $4 AND day < $5 AND metric = 'recovered'
       ) r
       GROUP BY currency ORDER BY currency`,
      [storeId, from, to, firstDay, endDay],
    );
    return rows.map((r) => ({ currency: r.currency, count: Number(r.count), revenue: r.revenue }));
  }
}
