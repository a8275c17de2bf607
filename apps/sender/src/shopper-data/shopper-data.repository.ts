import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { shopperDataRow, type SenderShopperData } from '@lib/contracts';
import { suppressionOf } from './shopper-data';

const BY_PHONE = `t.phone = $1 AND ($2::text IS NULL OR t.store_id = $2)`;

/**
 * Reads everything the sender holds about a shopper (the access request), every row as kept,
 * in one read-only snapshot: the tables the erasure deletes from, and the suppressions it
 * leaves (found by the phone's keyed hash; none without the key).
 */
@Injectable()
export class ShopperDataRepository {
  constructor(private readonly dataSource: DataSource) {}

  async read(phone: string, storeId: string | null, phoneHash: string | null): Promise<SenderShopperData> {
    return this.dataSource.transaction('REPEATABLE READ', async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      const rowsOf = async (sql: string, params: unknown[]): Promise<Record<string, unknown>[]> =>
        ((await tx.query(sql, params)) as Array<{ row: Record<string, unknown> }>).map((r) => r.row);
      const table = async (name: string, order: string) =>
        (
          await rowsOf(`SELECT to_jsonb(t) AS row FROM ${name} t WHERE ${BY_PHONE} ORDER BY ${order}`, [phone, storeId])
        ).map(shopperDataRow);
      const suppressions = phoneHash
        ? await rowsOf(
            `SELECT to_jsonb(t) AS row FROM suppressions t
             WHERE t.phone_hash = $1 AND ($2::text IS NULL OR t.store_id = $2) ORDER BY t.store_id`,
            [phoneHash, storeId],
          )
        : [];
      return {
        messages: await table('messages', 't.created_at, t.send_id'),
        contacts: await table('contacts', 't.store_id'),
        optOuts: await table('opt_outs', 't.store_id'),
        suppressions: suppressions.map(suppressionOf),
        shopperIdentities: await table('shopper_identities', 't.store_id, t.user_id'),
        marketingLimits: await table('marketing_limits', 't.store_id'),
      };
    });
  }
}
