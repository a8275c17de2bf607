import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The shoppers the scheduler erased, by their phone's keyed hash (ERASURE_HASH_KEY), the store
 * (null: every store) and the erasure's time: their cart events still on `cart-events` from
 * before the erasure are dropped (erasure/erasure-rule.ts), for the topic's retention only.
 */
export class ErasedShoppers1767000000001 implements MigrationInterface {
  name = 'ErasedShoppers1767000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE erased_shoppers (
        erasure_id    uuid PRIMARY KEY,
        phone_hash    text NOT NULL,
        store_id      text,
        requested_at  timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX erased_shoppers_phone ON erased_shoppers (phone_hash)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE erased_shoppers');
  }
}
