import { MigrationInterface, QueryRunner } from 'typeorm';

/** The admin API's record of each store's settings; `store-settings` is its published copy. */
export class StoreSettings1764000000000 implements MigrationInterface {
  name = 'StoreSettings1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE store_settings (
        store_id    text PRIMARY KEY,
        settings    jsonb NOT NULL,
        version     bigint NOT NULL DEFAULT 1,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE store_settings');
  }
}
