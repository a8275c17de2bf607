import { MigrationInterface, QueryRunner } from 'typeorm';

/** The console's recent messages: a store's latest rows, newest first, without a scan. */
export class MessagesStoreRecent1767200000000 implements MigrationInterface {
  name = 'MessagesStoreRecent1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messages_store_recent ON messages (store_id, created_at DESC, send_id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS messages_store_recent`);
  }
}
