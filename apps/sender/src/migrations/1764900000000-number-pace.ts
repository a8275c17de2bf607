import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The even pace of each business phone number, shared by every sender instance: the next
 * free send slot on the database's clock. An instance reserves a few consecutive slots in
 * one statement (`NumberPaceRepository.reserve`), so together the instances never put more
 * than the number's limit on it. See docs/sender-delivery.md, "Several sender instances".
 */
export class NumberPace1764900000000 implements MigrationInterface {
  name = 'NumberPace1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE number_pace (
        phone_number_id   text PRIMARY KEY,
        next_slot_at      timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS number_pace`);
  }
}
