import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The shoppers the sender erased, by their phone's keyed hash (ERASURE_HASH_KEY), the store
 * (null: every store) and the erasure's time: a send-due of theirs detected before the erasure,
 * still on `send-due`, is dropped (erasure/erasure-scope.ts), for the topic's retention only.
 */
export class SenderErasedShoppers1767300000000 implements MigrationInterface {
  name = 'SenderErasedShoppers1767300000000';

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
