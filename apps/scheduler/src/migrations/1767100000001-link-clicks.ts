import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The counted clicks on each message's recovery link, from `link-clicks`: the first click's time
 * and the count, per sendId (no phone, no address). Kept, and purged, with the message's cart.
 */
export class LinkClicks1767100000001 implements MigrationInterface {
  name = 'LinkClicks1767100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE link_clicks (
        send_id           text PRIMARY KEY,
        store_id          text NOT NULL,
        cart_id           text NOT NULL,
        first_clicked_at  timestamptz NOT NULL,
        last_clicked_at   timestamptz NOT NULL,
        clicks            integer NOT NULL
      )`);
    await q.query('CREATE INDEX link_clicks_cart ON link_clicks (store_id, cart_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE link_clicks');
  }
}
