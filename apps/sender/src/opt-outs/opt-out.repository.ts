import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { shopperKey } from '@lib/contracts';
import type { SenderConfig } from '../config';
import { SENDER_CONFIG } from '../tokens';

/**
 * Shoppers who asked not to be messaged by a store: from message-outcomes and from replies,
 * and (with ERASURE_HASH_KEY) the suppressions erasures left of them, by the phone's keyed hash.
 */
@Injectable()
export class OptOutRepository {
  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(SENDER_CONFIG) private readonly config?: Pick<SenderConfig, 'ERASURE_HASH_KEY'>,
  ) {}

  /**
   * Records opt-outs (the earliest time wins); returns the ones that were new. An opt-out of a
   * shopper already suppressed (one read again from the topic after their erasure) is not
   * written: the suppression holds it, and the phone must not come back.
   */
  async record(
    all: Array<{ storeId: string; phone: string; at: Date; source: string }>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Array<{ storeId: string; phone: string }>> {
    const suppressed = await this.suppressed(all, manager);
    const optOuts = all.filter((o) => !suppressed.has(shopperKey(o.storeId, o.phone)));
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
      for (const k of await this.suppressed(pairs)) found.add(k);
    }
    return { has: (s, p) => found.has(shopperKey(s, p)) };
  }

  /** Keys (store, phone) of these pairs an erasure left suppressed. */
  private async suppressed(
    pairs: Array<{ storeId: string; phone: string }>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Set<string>> {
    const key = this.config?.ERASURE_HASH_KEY;
    const found = new Set<string>();
    if (!key || pairs.length === 0) return found;
    const hashes = pairs.map((p) => key.hash(p.phone));
    const byHash = new Map(pairs.map((p, i) => [`${p.storeId}\u0000${hashes[i]}`, p]));
    const rows: Array<{ store_id: string; phone_hash: string }> = await manager.query(
      `SELECT s.store_id, s.phone_hash FROM suppressions s
       JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone_hash) USING (store_id, phone_hash)`,
      [pairs.map((p) => p.storeId), hashes],
    );
    for (const r of rows) {
      const pair = byHash.get(`${r.store_id}\u0000${r.phone_hash}`);
      if (pair) found.add(shopperKey(pair.storeId, pair.phone));
    }
    return found;
  }
}
