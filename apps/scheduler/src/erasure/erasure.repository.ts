import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PurgeRepository } from '../retention/purge.repository';
import type { PhoneHashKey } from '@lib/secrets';
import { erasedShopperExpired, isErasedEvent, type ErasedShopper } from './erasure-rule';

/** What one erasure removed, per table (counts only: nothing of the shopper). */
export type ErasedRows = Record<string, number>;

/**
 * The carts of the shopper ($1, at store $2 or every store when null): by the phone column
 * (opted in) or the phone in the facts (any). The access request reads the same carts.
 */
export const SHOPPER_CARTS = `(c.phone = $1 OR c.facts #>> '{phone,v}' = $1) AND ($2::text IS NULL OR c.store_id = $2)`;

/**
 * Erases a shopper from the scheduler's schema, in one transaction: their carts (facts with
 * phone, name and items), those carts' closed episodes and outcomes, their contact rows
 * (opt-out, hold) and consent records; the carts are first rolled up into `stats_daily` as
 * the retention purge does, so the stats answer the same. The phone's keyed hash is kept in
 * `erased_shoppers` for the in-flight rule.
 */
@Injectable()
export class ErasureRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly purge: PurgeRepository,
  ) {}

  async erase(request: {
    id: string;
    phone: string;
    phoneHash: string;
    storeId: string | null;
    requestedAt: Date;
  }): Promise<ErasedRows> {
    return this.dataSource.transaction(async (tx) => {
      const params = [request.phone, request.storeId];
      // Locked: a cart-events batch writing one of them waits, then finds it gone and starts anew.
      const carts: Array<{ store_id: string; cart_id: string }> = await tx.query(
        `SELECT c.store_id, c.cart_id FROM carts c WHERE ${SHOPPER_CARTS} ORDER BY 1, 2 FOR UPDATE`,
        params,
      );
      const keys = [carts.map((c) => c.store_id), carts.map((c) => c.cart_id)];
      const count = async (sql: string, values: unknown[]) => Number((await tx.query(sql, values))[0].n);
      const batch = 'unnest($1::text[], $2::text[]) AS b(store_id, cart_id)';
      const erased: ErasedRows = {};
      if (carts.length) {
        await this.purge.rollUp(tx, keys);
        erased.message_outcomes = await count(
          `WITH d AS (DELETE FROM message_outcomes o USING ${batch}
             WHERE o.store_id = b.store_id AND o.cart_id = b.cart_id RETURNING 1) SELECT count(*) AS n FROM d`,
          keys,
        );
        erased.link_clicks = await count(
          `WITH d AS (DELETE FROM link_clicks l USING ${batch}
             WHERE l.store_id = b.store_id AND l.cart_id = b.cart_id RETURNING 1) SELECT count(*) AS n FROM d`,
          keys,
        );
        erased.abandonments = await count(
          `WITH d AS (DELETE FROM abandonments a USING ${batch}
             WHERE a.store_id = b.store_id AND a.cart_id = b.cart_id RETURNING 1) SELECT count(*) AS n FROM d`,
          keys,
        );
        erased.carts = await count(
          `WITH d AS (DELETE FROM carts c USING ${batch}
             WHERE c.store_id = b.store_id AND c.cart_id = b.cart_id RETURNING 1) SELECT count(*) AS n FROM d`,
          keys,
        );
      }
      const byPhone = 'phone = $1 AND ($2::text IS NULL OR store_id = $2)';
      erased.contacts = await count(
        `WITH d AS (DELETE FROM contacts WHERE ${byPhone} RETURNING 1) SELECT count(*) AS n FROM d`,
        params,
      );
      erased.consent_records = await count(
        `WITH d AS (DELETE FROM consent_records WHERE ${byPhone} RETURNING 1) SELECT count(*) AS n FROM d`,
        params,
      );
      await tx.query(
        `INSERT INTO erased_shoppers (erasure_id, phone_hash, store_id, requested_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (erasure_id) DO NOTHING`,
        [request.id, request.phoneHash, request.storeId, request.requestedAt],
      );
      return erased;
    });
  }

  /** The erasures of these phones (by hash) still remembered, by hash. */
  async erasedShoppers(phoneHashes: string[]): Promise<Map<string, ErasedShopper[]>> {
    const out = new Map<string, ErasedShopper[]>();
    if (phoneHashes.length === 0) return out;
    const rows: Array<{ phone_hash: string; store_id: string | null; requested_at: Date }> =
      await this.dataSource.query(
        'SELECT phone_hash, store_id, requested_at FROM erased_shoppers WHERE phone_hash = ANY($1)',
        [phoneHashes],
      );
    for (const r of rows) {
      const list = out.get(r.phone_hash) ?? [];
      list.push({ storeId: r.store_id, requestedAt: r.requested_at.getTime() });
      out.set(r.phone_hash, list);
    }
    return out;
  }

  /**
   * `items` without those of an erased shopper that happened before the erasure (the in-flight
   * rule), in their order; an item without a phone is kept. One lookup, by the phones' hashes.
   */
  async withoutErased<T>(
    items: T[],
    key: PhoneHashKey,
    of: (item: T) => { storeId: string; phone: string | undefined; at: number },
  ): Promise<T[]> {
    const hashes = new Map<string, string>();
    for (const i of items) {
      const { phone } = of(i);
      if (phone && !hashes.has(phone)) hashes.set(phone, key.hash(phone));
    }
    if (hashes.size === 0) return items;
    const erased = await this.erasedShoppers([...new Set(hashes.values())]);
    if (erased.size === 0) return items;
    return items.filter((i) => {
      const { storeId, phone, at } = of(i);
      return !(phone && isErasedEvent(erased.get(hashes.get(phone)!) ?? [], storeId, at));
    });
  }

  /** Forgets the erased shoppers no event of before their erasure can still be read of. */
  async forgetExpired(now: Date): Promise<number> {
    const rows: Array<{ erasure_id: string; requested_at: Date }> = await this.dataSource.query(
      'SELECT erasure_id, requested_at FROM erased_shoppers',
    );
    const expired = rows.filter((r) => erasedShopperExpired(r.requested_at.getTime(), now.getTime()));
    if (expired.length === 0) return 0;
    await this.dataSource.query('DELETE FROM erased_shoppers WHERE erasure_id = ANY($1::uuid[])', [
      expired.map((r) => r.erasure_id),
    ]);
    return expired.length;
  }
}
