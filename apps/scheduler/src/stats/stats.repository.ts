import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StatsCounts } from './store-stats';

const WENT_OUT = 'COALESCE(o.sent_at, o.delivered_at, o.read_at) IS NOT NULL';

/**
 * The stats' SQL. Closed episodes live in `abandonments` (with the sender's outcomes joined by
 * sendId); open ones on the cart row, counted once their detection time has passed.
 */
@Injectable()
export class StatsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async counts(storeId: string, from: Date, to: Date): Promise<StatsCounts> {
    const [row] = await this.dataSource.query(
      `WITH closed AS (
         SELECT a.status, a.due_at, o.sent_at, o.delivered_at, o.read_at, o.failed_at, o.skipped_at, o.expired_at,
                o.deferred_at
         FROM abandonments a LEFT JOIN message_outcomes o ON o.send_id = a.send_id
         WHERE a.store_id = $1 AND a.detected_at >= $2 AND a.detected_at < $3
       ), open AS (
         SELECT status, due_at FROM carts
         WHERE store_id = $1 AND status IN ('scheduled', 'expiring', 'cancelled', 'disabled')
           AND detected_at >= $2 AND detected_at < $3 AND detected_at <= now()
       ), c AS (
         SELECT
           count(*) AS abandoned,
           count(*) FILTER (WHERE due_at IS NOT NULL) AS scheduled,
           count(*) FILTER (WHERE status = 'emitted') AS emitted,
           count(*) FILTER (WHERE ${WENT_OUT.replace(/o\./g, '')}) AS sent,
           count(*) FILTER (WHERE COALESCE(delivered_at, read_at) IS NOT NULL) AS delivered,
           count(*) FILTER (WHERE read_at IS NOT NULL) AS read,
           count(*) FILTER (WHERE failed_at IS NOT NULL AND COALESCE(delivered_at, read_at) IS NULL) AS failed,
           count(*) FILTER (WHERE deferred_at IS NOT NULL AND COALESCE(sent_at, delivered_at, read_at, failed_at,
             skipped_at, expired_at) IS NULL) AS deferred,
           count(*) FILTER (WHERE status = 'expired' OR (expired_at IS NOT NULL
             AND COALESCE(sent_at, delivered_at, read_at) IS NULL)) AS expired
         FROM closed
       ), p AS (
         SELECT count(*) AS abandoned,
           count(*) FILTER (WHERE due_at IS NOT NULL) AS scheduled,
           count(*) FILTER (WHERE status = 'scheduled') AS pending,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled
         FROM open
       )
       SELECT c.abandoned + p.abandoned AS abandoned, c.scheduled + p.scheduled AS scheduled, p.pending,
              p.cancelled, c.emitted, c.sent, c.delivered, c.read, c.failed, c.deferred, c.expired
       FROM c, p`,
      [storeId, from, to],
    );
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as StatsCounts;
  }

  /** Skips decided by the scheduler (frequency-cap, opted-out) and by the sender, by reason. */
  async skippedByReason(
    storeId: string,
    from: Date,
    to: Date,
  ): Promise<Array<{ reason: string | null; count: number }>> {
    const rows: Array<{ reason: string | null; count: string }> = await this.dataSource.query(
      `SELECT reason, count(*) AS count FROM (
         SELECT CASE WHEN a.status = 'skipped' THEN a.reason ELSE o.skipped_reason END AS reason
         FROM abandonments a LEFT JOIN message_outcomes o ON o.send_id = a.send_id
         WHERE a.store_id = $1 AND a.detected_at >= $2 AND a.detected_at < $3
           AND (a.status = 'skipped' OR (o.skipped_at IS NOT NULL AND NOT (${WENT_OUT})))
       ) s GROUP BY reason ORDER BY reason`,
      [storeId, from, to],
    );
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
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
    const rows: Array<{ currency: string | null; count: string; revenue: string | null }> = await this.dataSource.query(
      `SELECT currency, count(*) AS count, sum(total)::text AS revenue FROM (
         SELECT DISTINCT ON (a.cart_id) a.detected_at, c.order_total AS total, c.order_currency AS currency
         FROM abandonments a
         JOIN message_outcomes o ON o.send_id = a.send_id
         JOIN carts c ON c.store_id = a.store_id AND c.cart_id = a.cart_id
         WHERE a.store_id = $1 AND a.status = 'emitted' AND a.detected_at >= $2
           AND c.converted_at > LEAST(o.sent_at, o.delivered_at, o.read_at)
         ORDER BY a.cart_id, a.episode DESC
       ) r WHERE r.detected_at < $3
       GROUP BY currency ORDER BY currency`,
      [storeId, from, to],
    );
    return rows.map((r) => ({ currency: r.currency, count: Number(r.count), revenue: r.revenue }));
  }
}
