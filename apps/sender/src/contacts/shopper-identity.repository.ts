import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { updatedRows, type UpdateResult } from '@lib/database';
import type { IdentityPair } from './shopper-identity';

export interface PendingOptOut {
  storeId: string;
  userId: string;
  at: Date;
  source: string;
}

/**
 * The business-scoped user id of each (store, phone), as webhooks paired them (the first pair
 * wins: `shopper-identity.ts` decides what pairs), and the opt-outs that came by BSUID alone
 * before their phone was known. Both erasable by (store, phone) once paired.
 */
@Injectable()
export class ShopperIdentityRepository {
  /**
   * Pairs this process wrote or found written: every status of a message names its BSUID, and
   * only the first can pair, so the next ones write nothing. Bounded; forgetting costs a write.
   */
  private readonly tried = new Set<string>();

  constructor(private readonly dataSource: DataSource) {}

  /** Records pairs; a (store, phone) or (store, BSUID) already paired keeps its first pair. Returns the new ones. */
  async learn(all: IdentityPair[], manager: EntityManager = this.dataSource.manager): Promise<IdentityPair[]> {
    const pairs = all.filter((p) => !this.tried.has(triedKey(p)));
    if (pairs.length === 0) return [];
    const rows: Array<{ store_id: string; phone: string; user_id: string; parent_user_id: string | null }> =
      await manager.query(
        `INSERT INTO shopper_identities (store_id, phone, user_id, parent_user_id)
         SELECT DISTINCT ON (k.store_id, k.phone) k.store_id, k.phone, k.user_id, k.parent_user_id
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(store_id, phone, user_id, parent_user_id)
         ON CONFLICT DO NOTHING
         RETURNING store_id, phone, user_id, parent_user_id`,
        [
          pairs.map((p) => p.storeId),
          pairs.map((p) => p.phone),
          pairs.map((p) => p.userId),
          pairs.map((p) => p.parentUserId),
        ],
      );
    return rows.map((r) => ({
      storeId: r.store_id,
      phone: r.phone,
      userId: r.user_id,
      parentUserId: r.parent_user_id,
    }));
  }

  /** Called once the transaction that learnt these pairs committed: they need no write again. */
  remember(pairs: IdentityPair[]): void {
    if (this.tried.size > 100_000) this.tried.clear();
    for (const p of pairs) this.tried.add(triedKey(p));
  }

  /** The phone each of these stores paired with this BSUID (a store missing: never paired). */
  async phonesOf(storeIds: string[], userId: string): Promise<Map<string, string>> {
    if (storeIds.length === 0) return new Map();
    const rows: Array<{ store_id: string; phone: string }> = await this.dataSource.query(
      `SELECT store_id, phone FROM shopper_identities WHERE store_id = ANY($1::text[]) AND user_id = $2`,
      [storeIds, userId],
    );
    return new Map(rows.map((r) => [r.store_id, r.phone]));
  }

  /** Keeps opt-outs by BSUID until a pair names their phone (the earliest time wins). */
  async keepPending(optOuts: PendingOptOut[]): Promise<void> {
    if (optOuts.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO pending_opt_outs AS p (store_id, user_id, opted_out_at, source)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
       ON CONFLICT (store_id, user_id) DO UPDATE SET opted_out_at = least(p.opted_out_at, EXCLUDED.opted_out_at)`,
      [
        optOuts.map((o) => o.storeId),
        optOuts.map((o) => o.userId),
        optOuts.map((o) => o.at.toISOString()),
        optOuts.map((o) => o.source),
      ],
    );
  }

  /**
   * The pending opt-outs of these newly paired shoppers, deleted in `manager`'s transaction:
   * the caller records them by phone before it commits.
   */
  async takePending(pairs: IdentityPair[], manager: EntityManager): Promise<PendingOptOut[]> {
    if (pairs.length === 0) return [];
    const result: UpdateResult<{ store_id: string; user_id: string; opted_out_at: Date; source: string }> =
      await manager.query(
        `DELETE FROM pending_opt_outs p USING unnest($1::text[], $2::text[]) AS k(store_id, user_id)
         WHERE p.store_id = k.store_id AND p.user_id = k.user_id
         RETURNING p.store_id, p.user_id, p.opted_out_at, p.source`,
        [pairs.map((p) => p.storeId), pairs.map((p) => p.userId)],
      );
    return updatedRows(result).map((r) => ({
      storeId: r.store_id,
      userId: r.user_id,
      at: new Date(r.opted_out_at),
      source: r.source,
    }));
  }
}

function triedKey(p: IdentityPair): string {
  return `${p.storeId}\u0000${p.phone}\u0000${p.userId}`;
}
