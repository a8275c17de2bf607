import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-store daily aggregates of the stats, written by the retention purge just before it deletes
 * the carts, episodes and outcomes they were counted from (docs/data-lifecycle.md). One row per
 * (store, UTC day of detection, metric, key): `key` is the skip reason of `skipped` and the
 * currency of `recovered` ('' when there is none, and for every other metric); `amount` is
 * the recovered revenue. The stats API adds them to what it counts from the live rows.
 */
export class StatsDaily1765200000000 implements MigrationInterface {
  name = 'StatsDaily1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stats_daily (
        store_id  text NOT NULL,
        day       date NOT NULL,
        metric    text NOT NULL,
        key       text NOT NULL DEFAULT '',
        count     bigint NOT NULL,
        amount    numeric,
        PRIMARY KEY (store_id, day, metric, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stats_daily`);
  }
}
