import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { shopperKey } from '@lib/contracts';
import type { ContactVerdict } from '../timers/due-cart';

export interface SendCandidate {
  storeId: string;
  phone: string;
  sendId: string;
  minHoursBetweenMessages: number;
}

/** Opt-outs and the frequency rule, per (store, phone). */
@Injectable()
export class ContactRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Which of these phones opted out of their store's messages. */
  async optedOut(
    pairs: Array<{ storeId: string; phone: string }>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows: Array<{ store_id: string; phone: string }> = await manager.query(
      `SELECT c.store_id, c.phone FROM contacts c
       JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)
       WHERE c.opted_out_at IS NOT NULL`,
      [pairs.map((p) => p.storeId), pairs.map((p) => p.phone)],
    );
    return new Set(rows.map((r) => shopperKey(r.store_id, r.phone)));
  }

  async optOut(storeId: string, phone: string, at: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO contacts (store_id, phone, opted_out_at) VALUES ($1, $2, $3)
       ON CONFLICT (store_id, phone) DO UPDATE
       SET opted_out_at = LEAST(contacts.opted_out_at, EXCLUDED.opted_out_at)`,
      [storeId, phone, at],
    );
  }

  /**
   * Inside a claim transaction: may each candidate message its phone now? Opted-out phones
   * never; otherwise one send per phone and store holds the phone for minHoursBetweenMessages.
   * The hold row stays locked until the transaction ends, so two instances deciding for the
   * same phone take turns, and a rolled-back emission releases its hold.
   */
  async decide(candidates: SendCandidate[], manager: EntityManager): Promise<Map<string, ContactVerdict>> {
    const verdicts = new Map<string, ContactVerdict>();
    const optedOut = await this.optedOut(candidates, manager);
    const wanting = new Map<string, SendCandidate>();
    for (const c of candidates) {
      const key = shopperKey(c.storeId, c.phone);
      if (optedOut.has(key)) verdicts.set(c.sendId, 'opted-out');
      else if (c.minHoursBetweenMessages <= 0) verdicts.set(c.sendId, 'granted');
      else if (wanting.has(key))
        verdicts.set(c.sendId, 'frequency-cap'); // one per phone per batch
      else wanting.set(key, c);
    }
    if (wanting.size === 0) return verdicts;
    // Sorted, so concurrent claimers lock contact rows in the same order (no deadlock).
    const asks = [...wanting.values()].sort((a, b) =>
      shopperKey(a.storeId, a.phone) < shopperKey(b.storeId, b.phone) ? -1 : 1,
    );
    const granted: Array<{ hold_send_id: string }> = await manager.query(
      `INSERT INTO contacts AS c (store_id, phone, hold_send_id, hold_until)
       SELECT k.store_id, k.phone, k.send_id, now() + make_interval(hours => k.hours)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS k(store_id, phone, send_id, hours, n)
       ORDER BY k.n
       ON CONFLICT (store_id, phone) DO UPDATE
       SET hold_send_id = EXCLUDED.hold_send_id, hold_until = EXCLUDED.hold_until
       WHERE c.opted_out_at IS NULL
         AND (c.hold_until IS NULL OR c.hold_until <= now() OR c.hold_send_id = EXCLUDED.hold_send_id)
       RETURNING c.hold_send_id`,
      [
        asks.map((a) => a.storeId),
        asks.map((a) => a.phone),
        asks.map((a) => a.sendId),
        asks.map((a) => a.minHoursBetweenMessages),
      ],
    );
    const yes = new Set(granted.map((g) => g.hold_send_id));
    for (const a of asks) verdicts.set(a.sendId, yes.has(a.sendId) ? 'granted' : 'frequency-cap');
    return verdicts;
  }

  /**
   * What the sender reported changes the hold of its send: a message that went out holds the
   * phone from when it went out; one that never went out (failed, skipped, expired) lets go.
   */
  async settleHolds(settled: Array<{ storeId: string; sendId: string; wentOut: boolean; at: string }>): Promise<void> {
    if (settled.length === 0) return;
    await this.dataSource.query(
      `UPDATE contacts AS c SET
         last_sent_at = CASE WHEN k.went_out THEN GREATEST(c.last_sent_at, k.at) ELSE c.last_sent_at END,
         hold_until = CASE WHEN k.went_out
           THEN GREATEST(c.hold_until, k.at + make_interval(hours => COALESCE((s.settings->>'minHoursBetweenMessages')::int, 24)))
           ELSE NULL END,
         hold_send_id = CASE WHEN k.went_out THEN c.hold_send_id ELSE NULL END
       FROM unnest($1::text[], $2::text[], $3::boolean[], $4::timestamptz[]) AS k(store_id, send_id, went_out, at)
       LEFT JOIN store_settings s ON s.store_id = k.store_id
       WHERE c.store_id = k.store_id AND c.hold_send_id = k.send_id`,
      [
        settled.map((s) => s.storeId),
        settled.map((s) => s.sendId),
        settled.map((s) => s.wentOut),
        settled.map((s) => s.at),
      ],
    );
  }
}
