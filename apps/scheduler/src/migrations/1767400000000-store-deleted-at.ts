import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each store was deleted (its `store-settings` tombstone), cleared when it is PUT again:
 * RETENTION_DELETED_STORE_DAYS after it, the purge deletes every row of the store
 * (retention/retention-rule.ts `deletedStoreVerdict`). A store deleted before this migration
 * has no settings and an `updated_at` of its tombstone: that is its deletion time.
 */
export class StoreDeletedAt1767400000000 implements MigrationInterface {
  name = 'StoreDeletedAt1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE store_settings ADD COLUMN deleted_at timestamptz');
    await q.query('UPDATE store_settings SET deleted_at = updated_at WHERE settings IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE store_settings DROP COLUMN deleted_at');
  }
}
