import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the sender learns from Meta's webhooks since business-scoped user ids (BSUID) and
 * template re-categorisation:
 * - `shopper_identities`: the BSUID of each (store, phone), from the first webhook pairing
 *   them (the first wins); one phone per BSUID per store. Erased by (store, phone).
 * - `pending_opt_outs`: opt-out replies that carried only a BSUID never paired yet, turned into
 *   an opt-out by phone (and deleted) when the pair is learnt.
 * - `marketing_limits`: shoppers Meta limited (131049) and until when none is sent to them.
 * - `business_numbers`: the WhatsApp Business Account of each phone number id (entry id of
 *   its webhooks), to find the stores a template webhook is about.
 * - `whatsapp_templates`: each template's latest status and category.
 * - `messages.pricing`: the `pricing` object of the message's latest status webhook.
 */
export class ShopperIdentitiesAndTemplates1766700000000 implements MigrationInterface {
  name = 'ShopperIdentitiesAndTemplates1766700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE shopper_identities (
        store_id        text NOT NULL,
        phone           text NOT NULL,
        user_id         text NOT NULL,
        parent_user_id  text,
        learnt_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (store_id, phone),
        UNIQUE (store_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE pending_opt_outs (
        store_id        text NOT NULL,
        user_id         text NOT NULL,
        opted_out_at    timestamptz NOT NULL,
        source          text NOT NULL,
        PRIMARY KEY (store_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE marketing_limits (
        store_id        text NOT NULL,
        phone           text NOT NULL,
        limited_at      timestamptz NOT NULL,
        until           timestamptz NOT NULL,
        PRIMARY KEY (store_id, phone)
      )`);
    await q.query(`
      CREATE TABLE business_numbers (
        phone_number_id text PRIMARY KEY,
        waba_id         text NOT NULL,
        seen_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX business_numbers_waba ON business_numbers (waba_id)`);
    await q.query(`
      CREATE TABLE whatsapp_templates (
        waba_id            text NOT NULL,
        name               text NOT NULL,
        language           text NOT NULL,
        template_id        text,
        status             text,
        status_reason      text,
        status_at          timestamptz,
        category           text,
        category_at        timestamptz,
        impending_category text,
        impending_at       timestamptz,
        updated_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (waba_id, name, language)
      )`);
    await q.query(`ALTER TABLE messages ADD COLUMN pricing jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN IF EXISTS pricing`);
    for (const table of [
      'whatsapp_templates',
      'business_numbers',
      'marketing_limits',
      'pending_opt_outs',
      'shopper_identities',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
