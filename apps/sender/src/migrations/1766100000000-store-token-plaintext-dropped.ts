import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settings consumed before ingest sealed secrets held the access token (and the Shopify
 * webhook secret) in plaintext. A migration holds no key, so it cannot seal them: it drops
 * them. Those stores' tokens come back sealed when ingest's `reencrypt-secrets` publishes
 * them again (run it first: see docs/operations.md, "Secrets and key rotation"); meanwhile
 * their sends pause and their messages wait.
 */
export class StoreTokenPlaintextDropped1766100000000 implements MigrationInterface {
  name = 'StoreTokenPlaintextDropped1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE store_settings
         SET settings = (settings #- '{whatsapp,accessToken}') - 'shopify'
       WHERE settings->'whatsapp' ? 'accessToken' OR settings ? 'shopify'`);
  }

  async down(): Promise<void> {
    // Nothing to restore: the plaintext is gone on purpose.
  }
}
