import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The holdout (docs/scheduler.md "Holdout"): an episode whose shopper was drawn into the
 * holdout closes `held-out` at the moment its message would have gone, and every episode that
 * reached the send decision in a store running a holdout records its arm and the period drawn.
 */
export class HoldoutArm1766240000000 implements MigrationInterface {
  name = 'HoldoutArm1766240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE abandonments DROP CONSTRAINT IF EXISTS abandonments_status_check`);
    await q.query(`
      ALTER TABLE abandonments
        ADD CONSTRAINT abandonments_status_check CHECK (status IN ('emitted', 'held-out', 'expired', 'skipped')),
        ADD COLUMN arm text CHECK (arm IN ('treated', 'holdout')),
        ADD COLUMN experiment_period text,
        ADD CONSTRAINT abandonments_held_out_arm CHECK ((status = 'held-out') = (arm IS NOT DISTINCT FROM 'holdout'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM abandonments WHERE status = 'held-out'`);
    await q.query(`
      ALTER TABLE abandonments
        DROP CONSTRAINT abandonments_held_out_arm,
        DROP COLUMN experiment_period,
        DROP COLUMN arm,
        DROP CONSTRAINT abandonments_status_check,
        ADD CONSTRAINT abandonments_status_check CHECK (status IN ('emitted', 'expired', 'skipped'))`);
  }
}
