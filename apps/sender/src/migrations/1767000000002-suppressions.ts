import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an erasure keeps of an opt-out: the store and the keyed hash of the phone
 * (ERASURE_HASH_KEY), when and how the shopper asked to stop. The send decision checks it as
 * an opt-out, so an erased shopper who opted out is never messaged again.
 */
export class Suppressions1767000000002 implements MigrationInterface {
  name = 'Suppressions1767000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE suppressions (
        store_id      text NOT NULL,
        phone_hash    text NOT NULL,
        opted_out_at  timestamptz NOT NULL,
        source        text NOT NULL,
        PRIMARY KEY (store_id, phone_hash)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE suppressions');
  }
}
