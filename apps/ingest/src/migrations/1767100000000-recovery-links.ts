import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every message's tracked link, from `recovery-links`, and its clicks: no phone, no IP address,
 * only the kind of browser of the first counted click. Kept 30 days from its creation.
 */
export class RecoveryLinks1767100000000 implements MigrationInterface {
  name = 'RecoveryLinks1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recovery_links (
        token             text PRIMARY KEY,
        send_id           text NOT NULL,
        store_id          text NOT NULL,
        cart_id           text NOT NULL,
        destination       text NOT NULL,
        utm_medium        text,
        utm_campaign      text,
        created_at        timestamptz NOT NULL,
        clicks            integer NOT NULL DEFAULT 0,
        first_clicked_at  timestamptz,
        last_clicked_at   timestamptz,
        user_agent_class  text,
        previews          integer NOT NULL DEFAULT 0
      )`);
    await q.query('CREATE INDEX recovery_links_created_at ON recovery_links (created_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE recovery_links');
  }
}
