import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LinkClick } from '@lib/contracts';

/** The clicks on each message's link (`link_clicks`), one row per sendId. */
@Injectable()
export class LinkClickRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records clicks as ingest reported them, each with its link's totals so far: the earliest
   * first click and the largest count win, so a redelivery or records out of order change nothing.
   */
  async record(clicks: LinkClick[]): Promise<void> {
    if (clicks.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO link_clicks (send_id, store_id, cart_id, first_clicked_at, last_clicked_at, clicks)
       SELECT DISTINCT ON (send_id) * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[],
         $5::timestamptz[], $6::int[]) AS k(send_id, store_id, cart_id, first_clicked_at, last_clicked_at, clicks)
       ORDER BY send_id, clicks DESC
       ON CONFLICT (send_id) DO UPDATE SET
         first_clicked_at = LEAST(link_clicks.first_clicked_at, EXCLUDED.first_clicked_at),
         last_clicked_at = GREATEST(link_clicks.last_clicked_at, EXCLUDED.last_clicked_at),
         clicks = GREATEST(link_clicks.clicks, EXCLUDED.clicks)`,
      [
        clicks.map((c) => c.sendId),
        clicks.map((c) => c.storeId),
        clicks.map((c) => c.cartId),
        clicks.map((c) => c.firstClickedAt),
        clicks.map((c) => c.clickedAt),
        clicks.map((c) => c.clicks),
      ],
    );
  }
}
