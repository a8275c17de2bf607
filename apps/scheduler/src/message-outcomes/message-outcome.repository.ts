import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { OutcomeSummary } from './outcome-summary';

/** The sender's outcomes per sendId: the first time of each status, whatever the arrival order. */
@Injectable()
export class MessageOutcomeRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(summaries: OutcomeSummary[]): Promise<void> {
    if (summaries.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO message_outcomes AS o (send_id, store_id, cart_id, sent_at, delivered_at, read_at, failed_at,
         failed_reason, skipped_at, skipped_reason, expired_at, deferred_at, paced_at, released_after_closing_at,
         billable, pricing_category, priced_at, updated_at)
       SELECT r.send_id, r.store_id, r.cart_id, r.sent_at, r.delivered_at, r.read_at, r.failed_at, r.failed_reason,
         r.skipped_at, r.skipped_reason, r.expired_at, r.deferred_at, r.paced_at, r.released_after_closing_at,
         r.billable, r.pricing_category, r.priced_at, now()
       FROM jsonb_to_recordset($1::jsonb) AS r(send_id text, store_id text, cart_id text, sent_at timestamptz,
         delivered_at timestamptz, read_at timestamptz, failed_at timestamptz, failed_reason text,
         skipped_at timestamptz, skipped_reason text, expired_at timestamptz, deferred_at timestamptz,
         paced_at timestamptz, released_after_closing_at timestamptz, billable boolean, pricing_category text,
         priced_at timestamptz)
       ON CONFLICT (send_id) DO UPDATE SET
         sent_at = LEAST(o.sent_at, EXCLUDED.sent_at),
         delivered_at = LEAST(o.delivered_at, EXCLUDED.delivered_at),
         read_at = LEAST(o.read_at, EXCLUDED.read_at),
         failed_reason = CASE WHEN EXCLUDED.failed_at < o.failed_at OR o.failed_at IS NULL
           THEN COALESCE(EXCLUDED.failed_reason, o.failed_reason) ELSE o.failed_reason END,
         failed_at = LEAST(o.failed_at, EXCLUDED.failed_at),
         skipped_reason = CASE WHEN EXCLUDED.skipped_at < o.skipped_at OR o.skipped_at IS NULL
           THEN COALESCE(EXCLUDED.skipped_reason, o.skipped_reason) ELSE o.skipped_reason END,
         skipped_at = LEAST(o.skipped_at, EXCLUDED.skipped_at),
         expired_at = LEAST(o.expired_at, EXCLUDED.expired_at),
         deferred_at = GREATEST(o.deferred_at, EXCLUDED.deferred_at),
         paced_at = LEAST(o.paced_at, EXCLUDED.paced_at),
         released_after_closing_at = LEAST(o.released_after_closing_at, EXCLUDED.released_after_closing_at),
         -- Meta's latest pricing wins (it reports it on sent and may change it on a later status).
         billable = CASE WHEN o.priced_at IS NULL OR EXCLUDED.priced_at >= o.priced_at
           THEN COALESCE(EXCLUDED.billable, o.billable) ELSE o.billable END,
         pricing_category = CASE WHEN o.priced_at IS NULL OR EXCLUDED.priced_at >= o.priced_at
           THEN COALESCE(EXCLUDED.pricing_category, o.pricing_category) ELSE o.pricing_category END,
         priced_at = GREATEST(o.priced_at, EXCLUDED.priced_at),
         updated_at = now()`,
      [JSON.stringify(summaries)],
    );
  }
}
