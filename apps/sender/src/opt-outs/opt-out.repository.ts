import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { shopperKey } from '@lib/contracts';

/** Shoppers who asked not to be messaged by a store: from message-outcomes and from replies. */
@Injectable()
export class OptOutRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records opt-outs (the earliest time wins); returns the ones that were new. */
  async record(
    optOuts: Array<{ storeId: string; phone: string; at: Date; source: string }>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Array<{ storeId: string; phone: string }>> {
    if (optOuts.length === 0) return [];
    const rows: Array<{ store_id: string; phone: string }> = await manager.query(
      `INSERT INTO opt_outs (store_id, phone, opted_out_at, source)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
       ON CONFLICT (store_id, phone) DO NOTHING
       RETURNING store_id, phone`,
      [
        optOuts.map((o) => o.storeId),
        optOuts.map((o) => o.phone),
        optOuts.map((o) => o.at.toISOString()),
        optOuts.map((o) => o.source),
      ],
    );
    return rows.map((r) => ({ storeId: r.store_id, phone: r.phone }));
  }

  /** Keys (store, phone) of these pairs that opted out; test with `has(storeId, phone)`. */
  async optedOut(pairs: Array<{ storeId: string; phone: string }>): Promise<{ has(s: string, p: string): boolean }> {
    const found = new Set<string>();
    if (pairs.length > 0) {
      const rows: Array<{ store_id: string; phone: string }> = await this.dataSource.query(
        `SELECT o.store_id, o.phone FROM opt_outs o
         JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)`,
        [pairs.map((p) => p.storeId), pairs.map((p) => p.phone)],
      );
      for (const r of rows) found.add(shopperKey(r.store_id, r.phone));
    }
    return { has: (s, p) => found.has(shopperKey(s, p)) };
  }
}
