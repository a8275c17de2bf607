import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  contactKeyOf,
  contendingAsks,
  decideContacts,
  settleHold,
  type ContactAsk,
  type FrequencyHold,
} from '@lib/contact-frequency';
import type { ShopperKey } from '@lib/contracts';
import { limitedByMeta } from './marketing-limit';
import { marketingLimitsInForce } from './marketing-limit.repository';

interface SlotRow {
  store_id: string;
  phone: string;
  last_send_id: string;
  hold_until: Date;
}

/**
 * The last message per (store, phone) and until when it holds the shopper: the sender's slots
 * of the frequency rule. The rule itself is @lib/contact-frequency; this persists what it decides.
 */
@Injectable()
export class FrequencySlotRepository {
  constructor(private readonly dataSource: DataSource) {}

  async lastMessages(
    pairs: Array<{ storeId: string; phone: string }>,
  ): Promise<Map<ShopperKey, { sendId: string; at: Date }>> {
    if (pairs.length === 0) return new Map();
    const rows: Array<{ store_id: string; phone: string; last_send_id: string; last_sent_at: Date }> =
      await this.dataSource.query(
        `SELECT c.store_id, c.phone, c.last_send_id, c.last_sent_at FROM contacts c
         JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)`,
        [pairs.map((p) => p.storeId), pairs.map((p) => p.phone)],
      );
    return new Map(rows.map((r) => [keyOf(r), { sendId: r.last_send_id, at: r.last_sent_at }]));
  }

  /**
   * Takes the shopper's slot for each message at `at`, as the rule decides, on the shoppers'
   * rows locked in `manager`'s transaction: two partitions deciding for one shopper meet on the
   * row lock, so only one gets the slot. Every message the rule lets through is recorded as
   * the shopper's last when its slot was free, also where the rule is off. A shopper Meta
   * limited is granted nothing until the limit ends. Returns the granted sendIds.
   */
  async reserve(allAsks: ContactAsk[], at: Date, manager: EntityManager): Promise<Set<string>> {
    if (allAsks.length === 0) return new Set();
    // A shopper Meta limited (131049) gets nothing for 24 h, whatever the store's rule: no
    // grant, no slot taken (marketing-limit.ts).
    const limits = await marketingLimitsInForce(manager, allAsks, at);
    const asks = limits.size === 0 ? allAsks : allAsks.filter((a) => !limitedByMeta(limits.get(contactKeyOf(a)), at));
    if (asks.length === 0) return new Set();
    const slots = await this.lock(contendingAsks(asks), at, manager);
    const decided = decideContacts(asks, slots, at);
    const taken = asks.flatMap((a) => {
      const { takes } = decided.get(a.sendId)!;
      return takes ? [{ ask: a, hold: takes }] : [];
    });
    if (taken.length > 0) {
      await manager.query(
        `UPDATE contacts AS c SET last_send_id = k.send_id, last_sent_at = $5, hold_until = k.until
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS k(store_id, phone, send_id, until)
         WHERE c.store_id = k.store_id AND c.phone = k.phone`,
        [
          taken.map((t) => t.ask.storeId),
          taken.map((t) => t.ask.phone),
          taken.map((t) => t.hold.sendId),
          taken.map((t) => t.hold.until.toISOString()),
          at.toISOString(),
        ],
      );
    }
    return new Set(asks.filter((a) => decided.get(a.sendId)!.granted).map((a) => a.sendId));
  }

  /**
   * Locks the contending shoppers' rows in contact-key order (no deadlock between partitions)
   * and reads their slots. A shopper without a row gets one holding for its contender, as the
   * rule holds a free shopper, so a batch of new shoppers is one statement.
   */
  private async lock(
    contending: ContactAsk[],
    at: Date,
    manager: EntityManager,
  ): Promise<Map<ShopperKey, FrequencyHold>> {
    // What the rule gives a shopper nothing holds: the row a new shopper starts with.
    const free = decideContacts(contending, new Map(), at);
    // ON CONFLICT … WHERE false locks an existing row and leaves it as it is.
    const inserted: SlotRow[] = await manager.query(
      `INSERT INTO contacts AS c (store_id, phone, last_send_id, last_sent_at, hold_until)
       SELECT k.store_id, k.phone, k.send_id, $5, k.until
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) WITH ORDINALITY AS k(store_id, phone, send_id, until, n)
       ORDER BY k.n
       ON CONFLICT (store_id, phone) DO UPDATE SET store_id = c.store_id WHERE false
       RETURNING c.store_id, c.phone, c.last_send_id, c.hold_until`,
      [
        contending.map((a) => a.storeId),
        contending.map((a) => a.phone),
        contending.map((a) => free.get(a.sendId)!.takes!.sendId),
        contending.map((a) => free.get(a.sendId)!.takes!.until.toISOString()),
        at.toISOString(),
      ],
    );
    const slots = new Map(inserted.map((r) => [keyOf(r), holdOf(r)]));
    const existing = contending.filter((a) => !slots.has(contactKeyOf(a)));
    if (existing.length === 0) return slots;
    const locked: SlotRow[] = await manager.query(
      `SELECT c.store_id, c.phone, c.last_send_id, c.hold_until
       FROM contacts c JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)`,
      [existing.map((a) => a.storeId), existing.map((a) => a.phone)],
    );
    for (const r of locked) slots.set(keyOf(r), holdOf(r));
    return slots;
  }

  /**
   * Gives the shopper's slot back when the message that took it never reached them (failed
   * for good): the next cart may be reminded. Only if no later message took the slot since.
   */
  async release(messages: Array<{ storeId: string; phone: string; sendId: string }>): Promise<void> {
    if (messages.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      const rows: SlotRow[] = await manager.query(
        `SELECT c.store_id, c.phone, c.last_send_id, c.hold_until
         FROM contacts c JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)
         ORDER BY c.store_id COLLATE "C", c.phone COLLATE "C"
         FOR UPDATE OF c`,
        [messages.map((m) => m.storeId), messages.map((m) => m.phone)],
      );
      const slots = new Map(rows.map((r) => [keyOf(r), holdOf(r)]));
      const released = messages.filter((m) => {
        const slot = slots.get(contactKeyOf(m));
        // minHours plays no part in a release.
        return slot !== undefined && settleHold(slot, { sendId: m.sendId, reached: false, at: new Date() }, 0) === null;
      });
      if (released.length === 0) return;
      await manager.query(
        `DELETE FROM contacts c USING unnest($1::text[], $2::text[]) AS k(store_id, phone)
         WHERE c.store_id = k.store_id AND c.phone = k.phone`,
        [released.map((m) => m.storeId), released.map((m) => m.phone)],
      );
    });
  }
}

function keyOf(r: { store_id: string; phone: string }): ShopperKey {
  return contactKeyOf({ storeId: r.store_id, phone: r.phone });
}

function holdOf(r: SlotRow): FrequencyHold {
  return { sendId: r.last_send_id, until: r.hold_until };
}
