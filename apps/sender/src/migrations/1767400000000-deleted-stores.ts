import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stores deleted (a `store-settings` tombstone) and when; a store PUT again leaves it.
 * RETENTION_DELETED_STORE_DAYS after its deletion, the purge deletes every row of the store
 * (retention/retention-rule.ts `deletedStoreVerdict`). The row stays after that (one per
 * store): rows a late record writes for the store are purged by the next sweep.
 */
export class DeletedStores1767400000000 implements MigrationInterface {
  name = 'DeletedStores1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deleted_stores (
        store_id    text PRIMARY KEY,
        deleted_at  timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE deleted_stores');
  }
}
