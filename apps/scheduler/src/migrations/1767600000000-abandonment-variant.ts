import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The A/B variant each emitted message was drawn into (experiments.variants of the store's
 * settings; experiments/variants.ts): the stats compare the variants by it.
 */
export class AbandonmentVariant1767600000000 implements MigrationInterface {
  name = 'AbandonmentVariant1767600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE abandonments ADD COLUMN variant text');
    await q.query(
      'CREATE INDEX abandonments_variant ON abandonments (store_id, detected_at) WHERE variant IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX abandonments_variant');
    await q.query('ALTER TABLE abandonments DROP COLUMN variant');
  }
}
