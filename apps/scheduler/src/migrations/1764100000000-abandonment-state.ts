import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scheduler's state: the latest settings of each store, every cart with its current
 * abandonment episode and durable timer, closed episodes for the stats, what the sender
 * reported per sendId, and per (store, phone) the opt-out and the frequency hold.
 * See docs/scheduler.md (table design).
 */
export class AbandonmentState1764100000000 implements MigrationInterface {
  name = 'AbandonmentState1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE store_settings (
        store_id     text PRIMARY KEY,
        settings     jsonb,
        planned_for  text,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    // settings NULL: the store was deleted (tombstone). planned_for: the planning fingerprint
    // the store's carts were last re-planned with, so a crash mid re-plan re-plans again.

    await q.query(`
      CREATE TABLE carts (
        store_id          text NOT NULL,
        cart_id           text NOT NULL,
        version           integer NOT NULL,
        facts             jsonb NOT NULL,
        phone             text,
        last_activity_at  timestamptz,
        converted_at      timestamptz,
        order_total       numeric,
        order_currency    text,
        episode           integer NOT NULL,
        status            text NOT NULL,
        reason            text,
        detected_at       timestamptz,
        due_at            timestamptz,
        not_after         timestamptz,
        closed_at         timestamptz,
        send_id           text,
        timer_at          timestamptz,
        timer_kind        text CHECK (timer_kind IN ('send', 'expire')),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (store_id, cart_id),
        CHECK ((timer_at IS NULL) = (timer_kind IS NULL))
      )`);
    // The timer queue: only carts waiting for a timer are in it, ordered by when they fire.
    await q.query(`CREATE INDEX carts_timer ON carts (timer_at) WHERE timer_at IS NOT NULL`);
    // Opt-outs re-plan every cart of one shopper in a store.
    await q.query(`CREATE INDEX carts_phone ON carts (store_id, phone) WHERE phone IS NOT NULL`);

    await q.query(`
      CREATE TABLE abandonments (
        store_id     text NOT NULL,
        cart_id      text NOT NULL,
        episode      integer NOT NULL,
        status       text NOT NULL CHECK (status IN ('emitted', 'expired', 'skipped')),
        reason       text,
        detected_at  timestamptz NOT NULL,
        due_at       timestamptz,
        not_after    timestamptz,
        closed_at    timestamptz NOT NULL,
        send_id      text UNIQUE,
        PRIMARY KEY (store_id, cart_id, episode)
      )`);
    await q.query(`CREATE INDEX abandonments_detected ON abandonments (store_id, detected_at)`);

    await q.query(`
      CREATE TABLE message_outcomes (
        send_id         text PRIMARY KEY,
        store_id        text NOT NULL,
        cart_id         text NOT NULL,
        sent_at         timestamptz,
        delivered_at    timestamptz,
        read_at         timestamptz,
        failed_at       timestamptz,
        failed_reason   text,
        skipped_at      timestamptz,
        skipped_reason  text,
        expired_at      timestamptz,
        deferred_at     timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE contacts (
        store_id      text NOT NULL,
        phone         text NOT NULL,
        opted_out_at  timestamptz,
        hold_send_id  text,
        hold_until    timestamptz,
        last_sent_at  timestamptz,
        PRIMARY KEY (store_id, phone)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['contacts', 'message_outcomes', 'abandonments', 'carts', 'store_settings']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
