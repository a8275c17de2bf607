import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Paced templates (message-outcomes `paced`): when Meta held a message back, and when it
 * released one while the store was closed; the stats count both per store.
 */
export class PacedOutcomes1767500000001 implements MigrationInterface {
  name = 'PacedOutcomes1767500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE message_outcomes ADD COLUMN paced_at timestamptz, ADD COLUMN released_after_closing_at timestamptz',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE message_outcomes DROP COLUMN paced_at, DROP COLUMN released_after_closing_at');
  }
}
