import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each store's Shopify reconciliation poll stands: its since-bookmark and the pass under
 * way (connection, cursor), so a restart resumes where it was; when its next pass is due; the
 * fingerprint of a token Shopify refused (paused until another is saved); and a lease, so one
 * instance polls a store at a time.
 */
export class ShopifyReconciliation1765100000000 implements MigrationInterface {
  name = 'ShopifyReconciliation1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE shopify_reconciliation (
        store_id       text PRIMARY KEY,
        since          timestamptz,
        pass           jsonb,
        next_poll_at   timestamptz,
        paused_token   text,
        paused_reason  text,
        lease_owner    text,
        lease_until    timestamptz,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE shopify_reconciliation');
  }
}
