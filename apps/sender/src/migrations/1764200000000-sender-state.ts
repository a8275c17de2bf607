import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sender's state: what it must know before sending (store settings, opt-outs, carts that
 * converted or were emptied, the last message per shopper), and one row per sendId that
 * records the intent before the Graph API call and every status after it. See docs/sender.md.
 */
export class SenderState1764200000000 implements MigrationInterface {
  name = 'SenderState1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // Latest valid settings per store from the compacted topic; a tombstone deletes the row.
    // paused_*: the store's token was rejected; a settings record with another token resumes it.
    await q.query(`
      CREATE TABLE store_settings (
        store_id           text PRIMARY KEY,
        settings           jsonb NOT NULL,
        paused_at          timestamptz,
        paused_reason      text,
        paused_token       text,
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE opt_outs (
        store_id       text NOT NULL,
        phone          text NOT NULL,
        opted_out_at   timestamptz NOT NULL,
        source         text NOT NULL,
        PRIMARY KEY (store_id, phone)
      )`);

    // The newest conversion or emptying of each cart (cart-events): a send-due detected before
    // it is stale. Only closing events are kept, so the table grows with orders, not activity.
    await q.query(`
      CREATE TABLE cart_closures (
        store_id      text NOT NULL,
        cart_id       text NOT NULL,
        kind          text NOT NULL CHECK (kind IN ('converted', 'emptied')),
        occurred_at   timestamptz NOT NULL,
        PRIMARY KEY (store_id, cart_id)
      )`);

    // The frequency rule: the last message that went (or is going) out per shopper and store,
    // and until when it holds the shopper (last_sent_at + the store's minHoursBetweenMessages then).
    await q.query(`
      CREATE TABLE contacts (
        store_id       text NOT NULL,
        phone          text NOT NULL,
        last_send_id   text NOT NULL,
        last_sent_at   timestamptz NOT NULL,
        hold_until     timestamptz NOT NULL,
        PRIMARY KEY (store_id, phone)
      )`);

    await q.query(`
      CREATE TABLE messages (
        send_id          text PRIMARY KEY,
        store_id         text NOT NULL,
        cart_id          text NOT NULL,
        phone            text NOT NULL,
        phone_number_id  text,
        state            text NOT NULL CHECK (state IN
                           ('sending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'expired', 'deferred', 'unknown')),
        reason           text,
        locale           text,
        rendered_text    text,
        template         jsonb,
        wamid            text,
        error_code       integer,
        attempts         integer NOT NULL DEFAULT 0,
        history          jsonb NOT NULL DEFAULT '[]'::jsonb,
        send_due         jsonb,
        deferred_until   timestamptz,
        sending_since    timestamptz,
        owner            text,
        called_at        timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    // Status webhooks find their message by wamid (or by sendId through biz_opaque_callback_data).
    await q.query(`CREATE UNIQUE INDEX messages_wamid ON messages (wamid) WHERE wamid IS NOT NULL`);
    // The deferral loop's queue; a paused store's messages wait with no time (NULL).
    await q.query(`CREATE INDEX messages_deferred ON messages (deferred_until) WHERE state = 'deferred'`);
    await q.query(
      `CREATE INDEX messages_paused ON messages (store_id) WHERE state = 'deferred' AND deferred_until IS NULL`,
    );
    // owner: the process that wrote the intent; only it may call, and it marks called_at just
    // before the first call. A crash leaves `sending` rows: never called ones are taken over
    // and sent by another process; called ones are settled by a webhook or marked unknown.
    await q.query(`CREATE INDEX messages_sending ON messages (sending_since) WHERE state = 'sending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['messages', 'contacts', 'cart_closures', 'opt_outs', 'store_settings']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
