import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The consent evidence of each store's shoppers: one row per (store, phone), the latest grant
 * or withdrawal a cart event carried (libs/consent decides which is kept). A withdrawal is also
 * an opt-out in `contacts`; this row is the evidence of what the platform reported.
 * `last_seen_at`: the last time a cart event carried it (the retention purge counts from it).
 */
export class ConsentRecords1766300000000 implements MigrationInterface {
  name = 'ConsentRecords1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consent_records (
        store_id        text NOT NULL,
        phone           text NOT NULL,
        channel         text NOT NULL,
        state           text NOT NULL,
        source          text NOT NULL,
        consented_at    timestamptz NOT NULL,
        collected_from  text,
        opt_in_level    text,
        wording         text,
        wording_version text,
        event_id        text NOT NULL,
        last_seen_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (store_id, phone)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consent_records`);
  }
}
