import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  contactKeyOf,
  contendingAsks,
  decideContacts,
  frequencyRuleApplies,
  settleHold,
  type ContactAsk,
  type FrequencyHold,
} from '@lib/contact-frequency';
import type { ShopperKey } from '@lib/contracts';

/** May a due cart message its shopper now (the claim's answer, closing the episode). */
export type ContactVerdict = 'granted' | 'opted-out' | 'frequency-cap';

/** A send that ended, as the sender reported it: it went out, or never reached the shopper. */
export interface HoldSettlement {
  storeId: string;
  sendId: string;
  wentOut: boolean;
  at: string;
}

interface ContactRow {
  store_id: string;
  phone: string;
  opted_out: boolean;
  hold_send_id: string | null;
  hold_until: Date | null;
}

/**
 * What holds a store's shopper back from the scheduler's messages, one `contacts` row per
 * (store, phone): an opt-out (for good) and the frequency hold of the last message (until it
 * ends). The frequency rule itself is @lib/contact-frequency; this persists what it decides.
 */
@Injectable()
export class ContactHoldRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Which of these phones opted out of their store's messages (by contact key). */
  async optedOut(
    pairs: Array<{ storeId: string; phone: string }>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Set<ShopperKey>> {
    if (pairs.length === 0) return new Set();
    const rows: Array<{ store_id: string; phone: string }> = await manager.query(
      `SELECT c.store_id, c.phone FROM contacts c
       JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)
       WHERE c.opted_out_at IS NOT NULL`,
      [pairs.map((p) => p.storeId), pairs.map((p) => p.phone)],
    );
    return new Set(rows.map((r) => contactKeyOf({ storeId: r.store_id, phone: r.phone })));
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
   * Inside a claim transaction: may each candidate message its phone at `at`? Opted-out phones
   * never; otherwise the frequency rule decides, on the shoppers' rows locked until the
   * transaction ends, so two instances deciding for the same phone take turns, and a
   * rolled-back emission releases its hold. Only stores with the rule keep holds here.
   */
  async decide(candidates: ContactAsk[], at: Date, manager: EntityManager): Promise<Map<string, ContactVerdict>> {
    const verdicts = new Map<string, ContactVerdict>();
    const optedOut = await this.optedOut(candidates, manager);
    const asking: ContactAsk[] = [];
    for (const c of candidates) {
      if (optedOut.has(contactKeyOf(c))) verdicts.set(c.sendId, 'opted-out');
      else asking.push(c);
    }
    const contending = contendingAsks(asking.filter((a) => frequencyRuleApplies(a.minHoursBetweenMessages)));
    const rows = await this.lock(contending, at, manager);
    const holds = new Map<ShopperKey, FrequencyHold>();
    for (const r of rows.values()) {
      if (r.hold_send_id !== null && r.hold_until !== null)
        holds.set(keyOf(r), { sendId: r.hold_send_id, until: r.hold_until });
    }
    const decided = decideContacts(asking, holds, at);
    const taken: Array<{ ask: ContactAsk; hold: FrequencyHold }> = [];
    for (const a of asking) {
      const { granted, takes } = decided.get(a.sendId)!;
      const row = rows.get(contactKeyOf(a));
      // Opted out since the read above (the row is locked now): never.
      if (row?.opted_out) verdicts.set(a.sendId, 'opted-out');
      else verdicts.set(a.sendId, granted ? 'granted' : 'frequency-cap');
      if (row && !row.opted_out && takes) taken.push({ ask: a, hold: takes });
    }
    if (taken.length > 0) {
      await manager.query(
        `UPDATE contacts AS c SET hold_send_id = k.send_id, hold_until = k.until
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS k(store_id, phone, send_id, until)
         WHERE c.store_id = k.store_id AND c.phone = k.phone`,
        [
          taken.map((t) => t.ask.storeId),
          taken.map((t) => t.ask.phone),
          taken.map((t) => t.hold.sendId),
          taken.map((t) => t.hold.until.toISOString()),
        ],
      );
    }
    return verdicts;
  }

  /**
   * Locks the contending shoppers' rows in contact-key order (concurrent claimers take turns
   * and never deadlock) and reads them. A shopper without a row gets one holding for its
   * contender, as the rule holds a free shopper, so a claim for new shoppers is one statement.
   */
  private async lock(contending: ContactAsk[], at: Date, manager: EntityManager): Promise<Map<ShopperKey, ContactRow>> {
    const rows = new Map<ShopperKey, ContactRow>();
    if (contending.length === 0) return rows;
    // What the rule gives a shopper nothing holds: the row a new shopper starts with.
    const free = decideContacts(contending, new Map(), at);
    // ON CONFLICT … WHERE false locks an existing row and leaves it as it is.
    const inserted: ContactRow[] = await manager.query(
      `INSERT INTO contacts AS c (store_id, phone, hold_send_id, hold_until)
       SELECT k.store_id, k.phone, k.send_id, k.until
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) WITH ORDINALITY AS k(store_id, phone, send_id, until, n)
       ORDER BY k.n
       ON CONFLICT (store_id, phone) DO UPDATE SET store_id = c.store_id WHERE false
       RETURNING c.store_id, c.phone, false AS opted_out, c.hold_send_id, c.hold_until`,
      [
        contending.map((a) => a.storeId),
        contending.map((a) => a.phone),
        contending.map((a) => free.get(a.sendId)!.takes!.sendId),
        contending.map((a) => free.get(a.sendId)!.takes!.until.toISOString()),
      ],
    );
    for (const r of inserted) rows.set(keyOf(r), r);
    const existing = contending.filter((a) => !rows.has(contactKeyOf(a)));
    if (existing.length === 0) return rows;
    const locked: ContactRow[] = await manager.query(
      `SELECT c.store_id, c.phone, c.opted_out_at IS NOT NULL AS opted_out, c.hold_send_id, c.hold_until
       FROM contacts c JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)`,
      [existing.map((a) => a.storeId), existing.map((a) => a.phone)],
    );
    for (const r of locked) rows.set(keyOf(r), r);
    return rows;
  }

  /**
   * What the sender reported changes the hold of its send, as the rule settles it: a message
   * that went out holds the phone from when it went out; one that never went out (failed,
   * skipped, expired) lets go. Holds another send took since are left alone.
   */
  async settleHolds(settled: HoldSettlement[]): Promise<void> {
    if (settled.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      const rows: Array<{
        store_id: string;
        phone: string;
        hold_send_id: string;
        hold_until: Date;
        last_sent_at: Date | null;
        went_out: boolean;
        at: Date;
        min_hours: number;
      }> = await manager.query(
        `SELECT c.store_id, c.phone, c.hold_send_id, c.hold_until, c.last_sent_at, k.went_out, k.at,
           COALESCE((s.settings->>'minHoursBetweenMessages')::int, 24) AS min_hours
         FROM contacts c
         JOIN unnest($1::text[], $2::text[], $3::boolean[], $4::timestamptz[]) AS k(store_id, send_id, went_out, at)
           ON c.store_id = k.store_id AND c.hold_send_id = k.send_id
         LEFT JOIN store_settings s ON s.store_id = k.store_id
         WHERE c.hold_until IS NOT NULL
         ORDER BY c.store_id COLLATE "C", c.phone COLLATE "C"
         FOR UPDATE OF c`,
        [
          settled.map((s) => s.storeId),
          settled.map((s) => s.sendId),
          settled.map((s) => s.wentOut),
          settled.map((s) => s.at),
        ],
      );
      const writes = rows.flatMap((r) => {
        const hold = { sendId: r.hold_send_id, until: r.hold_until };
        const next = settleHold(hold, { sendId: r.hold_send_id, reached: r.went_out, at: r.at }, r.min_hours);
        if (next === undefined) return [];
        const lastSentAt = r.went_out && (r.last_sent_at === null || r.at > r.last_sent_at) ? r.at : r.last_sent_at;
        return [{ row: r, hold: next, lastSentAt }];
      });
      if (writes.length === 0) return;
      await manager.query(
        `UPDATE contacts AS c SET hold_send_id = k.send_id, hold_until = k.until, last_sent_at = k.last_sent_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
           AS k(store_id, phone, send_id, until, last_sent_at)
         WHERE c.store_id = k.store_id AND c.phone = k.phone`,
        [
          writes.map((w) => w.row.store_id),
          writes.map((w) => w.row.phone),
          writes.map((w) => w.hold?.sendId ?? null),
          writes.map((w) => w.hold?.until.toISOString() ?? null),
          writes.map((w) => w.lastSentAt?.toISOString() ?? null),
        ],
      );
    });
  }
}

function keyOf(r: { store_id: string; phone: string }): ShopperKey {
  return contactKeyOf({ storeId: r.store_id, phone: r.phone });
}
