import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ERASED_BY_PHONE, suppressionsOf } from './erasure-scope';

/**
 * Erases a shopper from the sender's schema in one transaction (erasure-scope.ts says what):
 * the opt-outs become suppressions by hash, then every row holding the phone is deleted.
 */
@Injectable()
export class ErasureRepository {
  constructor(private readonly dataSource: DataSource) {}

  async erase(request: { phone: string; phoneHash: string; storeId: string | null }): Promise<Record<string, number>> {
    return this.dataSource.transaction(async (tx) => {
      const params = [request.phone, request.storeId];
      const byPhone = 'phone = $1 AND ($2::text IS NULL OR store_id = $2)';
      // A DELETE … RETURNING answers [rows, count] through TypeORM.
      const [optOuts]: [Array<{ store_id: string; opted_out_at: Date; source: string }>, number] = await tx.query(
        `DELETE FROM opt_outs WHERE ${byPhone} RETURNING store_id, opted_out_at, source`,
        params,
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
      return erased;
    });
  }
}
