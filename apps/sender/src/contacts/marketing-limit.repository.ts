import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { contactKeyOf } from '@lib/contact-frequency';
import type { ShopperKey } from '@lib/contracts';
import type { MarketingLimit } from './marketing-limit';

/** Shoppers Meta limited (131049) per store, and until when: `marketing-limit.ts` decides the time. */
@Injectable()
export class MarketingLimitRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the limits; a longer one already there stays. */
  async hold(limits: MarketingLimit[], at: Date): Promise<void> {
    if (limits.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO marketing_limits AS l (store_id, phone, limited_at, until)
       SELECT DISTINCT ON (k.store_id, k.phone) k.store_id, k.phone, $4::timestamptz, k.until
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(store_id, phone, until)
       ORDER BY k.store_id, k.phone, k.until DESC
       ON CONFLICT (store_id, phone) DO UPDATE SET limited_at = EXCLUDED.limited_at,
         until = greatest(l.until, EXCLUDED.until)`,
      [
        limits.map((l) => l.storeId),
        limits.map((l) => l.phone),
        limits.map((l) => l.until.toISOString()),
        at.toISOString(),
      ],
    );
  }

  /** The limits in force at `at` for these shoppers (the send decision reads them). */
  inForce(pairs: Array<{ storeId: string; phone: string }>, at: Date): Promise<Map<ShopperKey, { until: Date }>> {
    return marketingLimitsInForce(this.dataSource.manager, pairs, at);
  }
}

/**
 * The limits still in force at `at` for these shoppers, by contact key, read in `manager`'s
 * transaction (the frequency slots ask it while they are taken).
 */
export async function marketingLimitsInForce(
  manager: EntityManager,
  pairs: Array<{ storeId: string; phone: string }>,
  at: Date,
): Promise<Map<ShopperKey, { until: Date }>> {
  if (pairs.length === 0) return new Map();
  const rows: Array<{ store_id: string; phone: string; until: Date }> = await manager.query(
    `SELECT l.store_id, l.phone, l.until FROM marketing_limits l
     JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)
     WHERE l.until > $3`,
    [pairs.map((p) => p.storeId), pairs.map((p) => p.phone), at.toISOString()],
  );
  return new Map(
    rows.map((r) => [contactKeyOf({ storeId: r.store_id, phone: r.phone }), { until: new Date(r.until) }]),
  );
}
