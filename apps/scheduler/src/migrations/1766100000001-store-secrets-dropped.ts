import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scheduler uses no secret, yet settings consumed before it stripped them held the
 * WhatsApp access token and the Shopify webhook secret (plaintext or sealed): dropped. No key
 * is needed to forget a secret.
 */
export class StoreSecretsDropped1766100000001 implements MigrationInterface {
  name = 'StoreSecretsDropped1766100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE store_settings
         SET settings = (settings #- '{whatsapp,accessToken}' #- '{whatsapp,accessTokenCiphertext}') - 'shopify'
       WHERE settings->'whatsapp' ?| array['accessToken', 'accessTokenCiphertext'] OR settings ? 'shopify'`);
  }

  async down(): Promise<void> {
    // Nothing to restore: the secrets are gone on purpose.
  }
}
