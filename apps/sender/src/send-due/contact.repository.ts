import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { shopperKey } from '@lib/contracts';

export interface ContactAsk {
  storeId: string;
  phone: string;
  sendId: string;
  minHoursBetweenMessages: number;
  at: Date;
}

/** The last message per (store, phone): the frequency rule. */
@Injectable()
export class ContactRepository {
  constructor(private readonly dataSource: DataSource) {}

  async lastMessages(
    pairs: Array<{ storeId: string; phone: string }>,
  ): Promise<Map<string, { sendId: string; at: Date }>> {
    if (pairs.length === 0) return new Map();
    const rows: Array<{ store_id: string; phone: string; last_send_id: string; last_sent_at: Date }> =
      await this.dataSource.query(
        `SELECT c.store_id, c.phone, c.last_send_id, c.last_sent_at FROM contacts c
         JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)`,
        [pairs.map((p) => p.storeId), pairs.map((p) => p.phone)],
      );
    return new Map(rows.map((r) => [shopperKey(r.store_id, r.phone), { sendId: r.last_send_id, at: r.last_sent_at }]));
  }

  /**
   * Takes the shopper's slot for each message, atomically: granted when the last message is
   * older than the store's minimum (or is this very sendId). Two partitions deciding for one
   * shopper meet on the row lock, so only one gets the slot. Returns the granted sendIds.
   */
  async reserve(asks: ContactAsk[], manager: EntityManager): Promise<Set<string>> {
    const granted = new Set<string>();
    const byKey = new Map<string, ContactAsk>();
    for (const a of asks) {
      if (a.minHoursBetweenMessages <= 0) granted.add(a.sendId);
      const key = shopperKey(a.storeId, a.phone);
      // One per shopper per batch when the rule applies; the later ones are frequency-capped.
      if (!byKey.has(key)) byKey.set(key, a);
    }
    if (byKey.size === 0) return granted;
    const sorted = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, a]) => a); // lock order
    const rows: Array<{ last_send_id: string }> = await manager.query(
      `INSERT INTO contacts AS c (store_id, phone, last_send_id, last_sent_at, hold_until)
       SELECT k.store_id, k.phone, k.send_id, k.at, k.at + make_interval(hours => k.hours)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[]) WITH ORDINALITY
         AS k(store_id, phone, send_id, at, hours, n)
       ORDER BY k.n
       ON CONFLICT (store_id, phone) DO UPDATE
       SET last_send_id = EXCLUDED.last_send_id, last_sent_at = EXCLUDED.last_sent_at, hold_until = EXCLUDED.hold_until
       WHERE c.last_send_id = EXCLUDED.last_send_id OR c.hold_until <= EXCLUDED.last_sent_at
       RETURNING c.last_send_id`,
      [
        sorted.map((a) => a.storeId),
        sorted.map((a) => a.phone),
        sorted.map((a) => a.sendId),
        sorted.map((a) => a.at.toISOString()),
        sorted.map((a) => Math.max(0, a.minHoursBetweenMessages)),
      ],
    );
    for (const r of rows) granted.add(r.last_send_id);
    return granted;
  }

  /**
   * Gives the shopper's slot back when the message that took it never reached them (failed
   * for good): the next cart may be reminded. Only if no later message took the slot since.
   */
  async release(messages: Array<{ storeId: string; phone: string; sendId: string }>): Promise<void> {
    if (messages.length === 0) return;
    await this.dataSource.query(
      `DELETE FROM contacts c USING unnest($1::text[], $2::text[], $3::text[]) AS k(store_id, phone, send_id)
       WHERE c.store_id = k.store_id AND c.phone = k.phone AND c.last_send_id = k.send_id`,
      [messages.map((m) => m.storeId), messages.map((m) => m.phone), messages.map((m) => m.sendId)],
    );
  }
}
