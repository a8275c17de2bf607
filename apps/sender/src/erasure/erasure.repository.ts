import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { updatedRows, type UpdateResult } from '@lib/database';
import type { PhoneHashKey } from '@lib/secrets';
import { ERASED_BY_PHONE, ERASED_SHOPPER_DAYS, isErasedSendDue, suppressionsOf } from './erasure-scope';

/**
 * Erases a shopper from the sender's schema in one transaction (erasure-scope.ts says what):
 * the opt-outs become suppressions by hash, then every row holding the phone is deleted.
 */
@Injectable()
export class ErasureRepository {
  constructor(private readonly dataSource: DataSource) {}

  async erase(request: {
    id: string;
    phone: string;
    phoneHash: string;
    storeId: string | null;
    requestedAt: Date;
  }): Promise<Record<string, number>> {
    return this.dataSource.transaction(async (tx) => {
      const params = [request.phone, request.storeId];
      const byPhone = 'phone = $1 AND ($2::text IS NULL OR store_id = $2)';
      const optOuts = updatedRows<{ store_id: string; opted_out_at: Date; source: string }>(
        (await tx.query(
          `DELETE FROM opt_outs WHERE ${byPhone} RETURNING store_id, opted_out_at, source`,
          params,
        )) as UpdateResult<{ store_id: string; opted_out_at: Date; source: string }>,
      );
      const kept = suppressionsOf(
        optOuts.map((o) => ({ storeId: o.store_id, optedOutAt: o.opted_out_at, source: o.source })),
        request.phoneHash,
      );
      if (kept.length) {
        await tx.query(
          `INSERT INTO suppressions (store_id, phone_hash, opted_out_at, source)
           SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
           ON CONFLICT (store_id, phone_hash) DO NOTHING`,
          [
            kept.map((s) => s.storeId),
            kept.map((s) => s.phoneHash),
            kept.map((s) => s.optedOutAt.toISOString()),
            kept.map((s) => s.source),
          ],
        );
      }
      const erased: Record<string, number> = { opt_outs: optOuts.length };
      for (const table of ERASED_BY_PHONE) {
        const [{ n }] = await tx.query(
          `WITH d AS (DELETE FROM ${table} WHERE ${byPhone} RETURNING 1) SELECT count(*) AS n FROM d`,
          params,
        );
        erased[table] = Number(n);
      }
      await tx.query(
        `INSERT INTO erased_shoppers (erasure_id, phone_hash, store_id, requested_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (erasure_id) DO NOTHING`,
        [request.id, request.phoneHash, request.storeId, request.requestedAt],
      );
      // Entries no send-due of before their erasure can still be read of.
      await tx.query(`DELETE FROM erased_shoppers WHERE requested_at < now() - make_interval(days => $1)`, [
        ERASED_SHOPPER_DAYS,
      ]);
      return erased;
    });
  }

  /** `items` without the send-dues of erased shoppers detected before their erasure (in flight). */
  async withoutErased<T>(
    items: T[],
    key: PhoneHashKey,
    of: (item: T) => { storeId: string; phone: string; detectedAt: number },
    now = Date.now(),
  ): Promise<T[]> {
    if (items.length === 0) return items;
    const hashes = new Map(items.map((i) => [of(i).phone, key.hash(of(i).phone)]));
    const rows: Array<{ phone_hash: string; store_id: string | null; requested_at: Date }> =
      await this.dataSource.query(
        'SELECT phone_hash, store_id, requested_at FROM erased_shoppers WHERE phone_hash = ANY($1)',
        [[...new Set(hashes.values())]],
      );
    if (rows.length === 0) return items;
    return items.filter((i) => {
      const { storeId, phone, detectedAt } = of(i);
      const erased = rows
        .filter((r) => r.phone_hash === hashes.get(phone))
        .map((r) => ({ storeId: r.store_id, requestedAt: r.requested_at.getTime() }));
      return !isErasedSendDue(erased, storeId, detectedAt, now);
    });
  }
}
