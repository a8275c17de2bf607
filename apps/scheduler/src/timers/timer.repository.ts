import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Episode } from '../cart-events/abandonment';
import type { CartRecord } from '../cart-events/cart.repository';
import type { Arm } from '../experiments/holdout';

/** The timer queue: carts whose `timer_at` is set, claimed when due. */
@Injectable()
export class TimerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Due carts, oldest first, locked for this transaction. SKIP LOCKED: carts another instance
   * (or a cart-event write) holds are left to it, so no two claimers ever emit the same cart.
   */
  async claimDue(manager: EntityManager, limit: number): Promise<CartRecord[]> {
    return manager.query(
      `SELECT store_id, cart_id, version, facts, episode, status, reason, detected_at, due_at, not_after,
              closed_at, send_id
       FROM carts WHERE timer_at <= now()
       ORDER BY timer_at LIMIT $1
       FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  /** Milliseconds until the next timer by the database's clock (negative: overdue), or null. */
  async msUntilNext(): Promise<number | null> {
    const [row]: Array<{ wait_ms: number | null }> = await this.dataSource.query(
      `SELECT (EXTRACT(EPOCH FROM (min(timer_at) - clock_timestamp())) * 1000)::float8 AS wait_ms
       FROM carts WHERE timer_at IS NOT NULL`,
    );
    return row.wait_ms === null ? null : Number(row.wait_ms);
  }

  /**
   * Closed episodes, kept for the stats, with the holdout arm the cart was drawn into at its
   * send decision (null: not in an experiment, or never reached the decision).
   */
  async archive(
    manager: EntityManager,
    closed: Array<{
      storeId: string;
      cartId: string;
      episode: Episode;
      arm?: Arm | null;
      period?: string | null;
      /** The A/B variant of a message that was emitted (experiments/variants.ts). */
      variant?: string | null;
    }>,
  ): Promise<void> {
    if (closed.length === 0) return;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    await manager.query(
      `INSERT INTO abandonments (store_id, cart_id, episode, status, reason, detected_at, due_at, not_after,
         closed_at, send_id, arm, experiment_period, variant)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(store_id text, cart_id text, episode integer, status text,
         reason text, detected_at timestamptz, due_at timestamptz, not_after timestamptz, closed_at timestamptz,
         send_id text, arm text, experiment_period text, variant text)
       ON CONFLICT (store_id, cart_id, episode) DO NOTHING`,
      [
        JSON.stringify(
          closed.map(({ storeId, cartId, episode: e, arm, period, variant }) => ({
            store_id: storeId,
            cart_id: cartId,
            episode: e.number,
            status: e.status,
            reason: e.reason,
            detected_at: iso(e.detectedAt),
            due_at: iso(e.dueAt),
            not_after: iso(e.notAfter),
            closed_at: iso(e.closedAt),
            send_id: e.sendId,
            arm: arm ?? null,
            experiment_period: arm || variant ? (period ?? null) : null,
            variant: variant ?? null,
          })),
        ),
      ],
    );
  }
}
