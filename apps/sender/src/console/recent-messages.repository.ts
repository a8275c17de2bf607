import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { HistoryEntry, MessageState } from '../messages/message-lifecycle';
import type { RecentMessageRow } from './recent-messages';

interface Row {
  send_id: string;
  cart_id: string;
  phone: string;
  state: MessageState;
  reason: string | null;
  error_code: number | null;
  history: HistoryEntry[];
  rendered_text: string | null;
  template_name: string | null;
  locale: string | null;
  created_at: Date;
}

/** Reads a store's latest messages for the console (messages_store_recent serves it). */
@Injectable()
export class RecentMessagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async latest(storeId: string, limit: number): Promise<RecentMessageRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT send_id, cart_id, phone, state, reason, error_code, history, rendered_text,
              template->>'templateName' AS template_name, locale, created_at
       FROM messages WHERE store_id = $1
       ORDER BY created_at DESC, send_id DESC
       LIMIT $2`,
      [storeId, limit],
    );
    return rows.map((r) => ({
      sendId: r.send_id,
      cartId: r.cart_id,
      phone: r.phone,
      state: r.state,
      reason: r.reason,
      errorCode: r.error_code,
      history: r.history,
      renderedText: r.rendered_text,
      templateName: r.template_name,
      locale: r.locale,
      createdAt: new Date(r.created_at),
    }));
  }
}
