import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Meta's pricing of each message (message-outcomes `pricing`, from its status webhooks): the
 * stats count the billable messages per category and per recovered order.
 */
export class OutcomePricing1767500000002 implements MigrationInterface {
  name = 'OutcomePricing1767500000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE message_outcomes ADD COLUMN billable boolean, ADD COLUMN pricing_category text,
         ADD COLUMN priced_at timestamptz`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE message_outcomes DROP COLUMN billable, DROP COLUMN pricing_category, DROP COLUMN priced_at',
    );
  }
}
