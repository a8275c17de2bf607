import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RecoveryLink, UserAgentClass } from '@lib/contracts';

/** How long a link lives (and its row is kept): the `recovery-links` topic's retention. */
export const LINK_LIFETIME_DAYS = 30;

export interface StoredLink {
  token: string;
  sendId: string;
  storeId: string;
  cartId: string;
  destination: string;
  utmMedium: string | null;
  utmCampaign: string | null;
}

export interface ClickTotals {
  clicks: number;
  firstClickedAt: Date;
  userAgentClass: UserAgentClass;
}

interface Row {
  token: string;
  send_id: string;
  store_id: string;
  cart_id: string;
  destination: string;
  utm_medium: string | null;
  utm_campaign: string | null;
}

/** ingest's copy of the links (`recovery_links`) and what their clicks left. */
@Injectable()
export class RecoveryLinkRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Keeps links read from the topic; a link read again (a replay) stays as it was, clicks included. */
  async keep(links: RecoveryLink[]): Promise<void> {
    if (links.length === 0) return;
    const values: unknown[] = [];
    const rows = links.map((l, i) => {
      values.push(l.token, l.sendId, l.storeId, l.cartId, l.destination, l.utmMedium ?? null);
      values.push(l.utmCampaign ?? null, l.createdAt);
      const at = i * 8;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}, $${at + 7}, $${at + 8})`;
    });
    await this.dataSource.query(
      `INSERT INTO recovery_links (token, send_id, store_id, cart_id, destination, utm_medium, utm_campaign, created_at)
       VALUES ${rows.join(', ')} ON CONFLICT (token) DO NOTHING`,
      values,
    );
  }

  /** The live link of a token (one younger than its lifetime), or undefined. */
  async find(token: string, now: Date): Promise<StoredLink | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT token, send_id, store_id, cart_id, destination, utm_medium, utm_campaign FROM recovery_links
       WHERE token = $1 AND created_at > $2::timestamptz - make_interval(days => $3)`,
      [token, now.toISOString(), LINK_LIFETIME_DAYS],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      token: row.token,
      sendId: row.send_id,
      storeId: row.store_id,
      cartId: row.cart_id,
      destination: row.destination,
      utmMedium: row.utm_medium,
      utmCampaign: row.utm_campaign,
    };
  }

  /**
   * Counts a click in one statement: the first click's time and browser kind stay, the count
   * grows. Returns the totals after it.
   */
  async countClick(token: string, at: Date, userAgentClass: UserAgentClass): Promise<ClickTotals> {
    // An UPDATE answers [rows, count].
    const [rows]: [Array<{ clicks: number; first_clicked_at: Date; user_agent_class: UserAgentClass }>, number] =
      await this.dataSource.query(
        `UPDATE recovery_links SET clicks = clicks + 1,
           first_clicked_at = COALESCE(first_clicked_at, $2),
           last_clicked_at = $2,
           user_agent_class = COALESCE(user_agent_class, $3)
         WHERE token = $1 RETURNING clicks, first_clicked_at, user_agent_class`,
        [token, at, userAgentClass],
      );
    const row = rows[0];
    return { clicks: row.clicks, firstClickedAt: row.first_clicked_at, userAgentClass: row.user_agent_class };
  }

  /** A preview or bot fetch: counted apart, never as a click. */
  async countPreview(token: string): Promise<void> {
    await this.dataSource.query('UPDATE recovery_links SET previews = previews + 1 WHERE token = $1', [token]);
  }

  /** Deletes links past their lifetime; returns how many. */
  async purge(now: Date): Promise<number> {
    const result: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM recovery_links WHERE created_at <= $1::timestamptz - make_interval(days => $2)`,
      [now.toISOString(), LINK_LIFETIME_DAYS],
    );
    return result[1];
  }
}
