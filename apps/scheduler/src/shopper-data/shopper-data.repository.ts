import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { shopperDataRow, type SchedulerShopperData } from '@lib/contracts';
// The shopper's carts as the erasure finds them.
import { SHOPPER_CARTS } from '../erasure/erasure.repository';

const OF_THOSE_CARTS = `(t.store_id, t.cart_id) IN (SELECT c.store_id, c.cart_id FROM carts c WHERE ${SHOPPER_CARTS})`;
const BY_PHONE = `t.phone = $1 AND ($2::text IS NULL OR t.store_id = $2)`;

/**
 * Reads everything the scheduler holds about a shopper (the access request), every row as
 * kept, in one read-only snapshot: the same tables the erasure deletes from.
 */
@Injectable()
export class ShopperDataRepository {
  constructor(private readonly dataSource: DataSource) {}

  async read(phone: string, storeId: string | null): Promise<SchedulerShopperData> {
    return this.dataSource.transaction('REPEATABLE READ', async (tx) => {
      const params = [phone, storeId];
      const table = async (sql: string): Promise<Record<string, unknown>[]> =>
        ((await tx.query(sql, params)) as Array<{ row: Record<string, unknown> }>).map((r) => shopperDataRow(r.row));
      await tx.query('SET TRANSACTION READ ONLY');
      return {
        carts: await table(
          `SELECT to_jsonb(c) AS row FROM carts c WHERE ${SHOPPER_CARTS} ORDER BY c.store_id, c.cart_id`,
        ),
        abandonments: await table(
          `SELECT to_jsonb(t) AS row FROM abandonments t WHERE ${OF_THOSE_CARTS} ORDER BY t.store_id, t.cart_id, t.episode`,
        ),
        messageOutcomes: await table(
          `SELECT to_jsonb(t) AS row FROM message_outcomes t WHERE ${OF_THOSE_CARTS} ORDER BY t.store_id, t.send_id`,
        ),
        linkClicks: await table(`SELECT to_jsonb(t) AS row FROM link_clicks t WHERE ${OF_THOSE_CARTS}`),
        contacts: await table(`SELECT to_jsonb(t) AS row FROM contacts t WHERE ${BY_PHONE} ORDER BY t.store_id`),
        consentRecords: await table(
          `SELECT to_jsonb(t) AS row FROM consent_records t WHERE ${BY_PHONE} ORDER BY t.store_id, t.channel`,
        ),
      };
    });
  }
}
