import { MigrationInterface, QueryRunner } from 'typeorm';

const BEFORE = ['sending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'expired', 'deferred', 'unknown'];

/**
 * A message Meta took but holds (a paced template: `held_for_quality_assessment` or `paused`
 * in its answer) has a state of its own, `paced` (messages/message-lifecycle.ts).
 */
export class PacedMessages1767500000000 implements MigrationInterface {
  name = 'PacedMessages1767500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE messages DROP CONSTRAINT messages_state_check');
    await q.query(
      `ALTER TABLE messages ADD CONSTRAINT messages_state_check CHECK (state IN (${list([...BEFORE, 'paced'])}))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // A paced message was taken by Meta: before this state existed it was `sent`.
    await q.query(`UPDATE messages SET state = 'sent' WHERE state = 'paced'`);
    await q.query('ALTER TABLE messages DROP CONSTRAINT messages_state_check');
    await q.query(`ALTER TABLE messages ADD CONSTRAINT messages_state_check CHECK (state IN (${list(BEFORE)}))`);
  }
}

function list(states: string[]): string {
  return states.map((s) => `'${s}'`).join(', ');
}
