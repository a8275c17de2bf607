import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each erasure request the API accepted and when each service reported it done. The phone is
 * kept only as its keyed hash (ERASURE_HASH_KEY): the record of an erasure must not hold what
 * it erased.
 */
export class ErasureRequests1767000000000 implements MigrationInterface {
  name = 'ErasureRequests1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE erasure_requests (
        id                      uuid PRIMARY KEY,
        phone_hash              text NOT NULL,
        store_id                text,
        requested_at            timestamptz NOT NULL,
        ingest_completed_at     timestamptz,
        scheduler_completed_at  timestamptz,
        sender_completed_at     timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE erasure_requests');
  }
}
