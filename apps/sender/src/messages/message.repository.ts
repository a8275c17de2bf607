import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { SendDue } from '@lib/contracts';
import { updatedRows, type UpdateResult } from '@lib/database';
import {
  decided,
  redecided,
  settle,
  staleUnknown,
  type DecidedState,
  type HistoryEntry,
  type MessageState,
  type MessageStatusView,
  type Settlement,
  type SettlingView,
} from './message-lifecycle';
import type { FilledTemplate } from './reminder';
import { matchLostAnswers } from './lost-answer';

export type { HistoryEntry, MessageState, Settlement } from './message-lifecycle';

/** Meta's `pricing` of a status webhook, as kept in `messages.pricing`. */
export interface MessagePricing {
  billable: boolean | null;
  category: string | null;
  type: string | null;
  pricingModel: string | null;
}

/** A message row as decided for a send-due, written before anything goes out. */
export interface NewMessage {
  sendId: string;
  storeId: string;
  cartId: string;
  phone: string;
  phoneNumberId: string | null;
  state: DecidedState;
  reason: string | null;
  locale: string | null;
  renderedText: string | null;
  template: FilledTemplate | null;
  /** The event itself; stored only while deferred, for the deferral loop to decide again. */
  sendDue: SendDue | null;
  deferredUntil: Date | null;
  at: Date;
}

export interface StoredMessage {
  sendId: string;
  storeId: string;
  cartId: string;
  phone: string;
  state: MessageState;
  reason: string | null;
  wamid: string | null;
  errorCode: number | null;
  history: HistoryEntry[];
}

interface MessageRow {
  send_id: string;
  store_id: string;
  cart_id: string;
  phone: string;
  state: MessageState;
  reason: string | null;
  wamid: string | null;
  error_code: number | null;
  history: HistoryEntry[];
}

const storedOf = (r: MessageRow): StoredMessage => ({
  sendId: r.send_id,
  storeId: r.store_id,
  cartId: r.cart_id,
  phone: r.phone,
  state: r.state,
  reason: r.reason,
  wamid: r.wamid,
  errorCode: r.error_code,
  history: r.history,
});

interface SettlingRow {
  send_id: string;
  state: MessageState;
  reason: string | null;
  wamid: string | null;
  error_code: number | null;
  attempts: number;
  history: HistoryEntry[];
  deferred_until: string | null;
  sending_since: string | null;
}

const settlingViewOf = (r: SettlingRow): SettlingView => ({
  state: r.state,
  reason: r.reason,
  wamid: r.wamid,
  errorCode: r.error_code,
  attempts: r.attempts,
  history: r.history,
  deferredUntil: r.deferred_until,
  sendingSince: r.sending_since,
});

const COLUMNS = 'send_id, store_id, cart_id, phone, state, reason, wamid, error_code, history';

/** One row per sendId: the intent, the rendered message, and every status with its time. */
@Injectable()
export class MessageRepository {
  /** This process, as the owner of the intents it writes: only the owner calls the API. */
  readonly owner = randomUUID();

  constructor(private readonly dataSource: DataSource) {}

  async bySendIds(sendIds: string[], manager: EntityManager = this.dataSource.manager): Promise<StoredMessage[]> {
    if (sendIds.length === 0) return [];
    const rows: MessageRow[] = await manager.query(`SELECT ${COLUMNS} FROM messages WHERE send_id = ANY($1::text[])`, [
      sendIds,
    ]);
    return rows.map(storedOf);
  }

  /**
   * Writes decided messages; a sendId already there is left alone (ON CONFLICT DO NOTHING:
   * NEVER_TWICE.oneRowPerSendId). Returns the sendIds written by this call: only those are
   * this caller's to send. What each row starts with is the lifecycle's `decided`.
   */
  async insert(messages: NewMessage[], manager: EntityManager): Promise<Set<string>> {
    if (messages.length === 0) return new Set();
    const writes = messages.map((m) => decided(m));
    const rows: Array<{ send_id: string }> = await manager.query(
      `INSERT INTO messages (send_id, store_id, cart_id, phone, phone_number_id, state, reason, locale,
                             rendered_text, template, send_due, deferred_until, sending_since, owner, history,
                             created_at, updated_at)
       SELECT k.send_id, k.store_id, k.cart_id, k.phone, k.phone_number_id, k.state, k.reason, k.locale,
              k.rendered_text, k.template, k.send_due, k.deferred_until, k.sending_since, k.owner, k.history,
              k.at, k.at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::jsonb[], $11::jsonb[], $12::timestamptz[], $13::timestamptz[],
                   $14::timestamptz[], $15::text[], $16::jsonb[])
         AS k(send_id, store_id, cart_id, phone, phone_number_id, state, reason, locale, rendered_text, template,
              send_due, deferred_until, at, sending_since, owner, history)
       ON CONFLICT (send_id) DO NOTHING
       RETURNING send_id`,
      [
        messages.map((m) => m.sendId),
        messages.map((m) => m.storeId),
        messages.map((m) => m.cartId),
        messages.map((m) => m.phone),
        messages.map((m) => m.phoneNumberId),
        messages.map((m) => m.state),
        messages.map((m) => m.reason),
        messages.map((m) => m.locale),
        messages.map((m) => m.renderedText),
        messages.map((m) => (m.template ? JSON.stringify(m.template) : null)),
        messages.map((m, i) => (writes[i].keepsSendDue && m.sendDue ? JSON.stringify(m.sendDue) : null)),
        messages.map((m) => m.deferredUntil?.toISOString() ?? null),
        messages.map((m) => m.at.toISOString()),
        writes.map((w) => w.sendingSince?.toISOString() ?? null),
        writes.map((w) => (w.intent ? this.owner : null)),
        writes.map((w) => JSON.stringify(w.entries)),
      ],
    );
    return new Set(rows.map((r) => r.send_id));
  }

  /**
   * Records how the sends ended (the lifecycle's `settle`), and returns the sendIds this call
   * moved on. The rows are locked while settled, as a status webhook locks them, so a row is
   * moved by exactly one of the two: a webhook that came first (Meta's `sent` can beat the
   * HTTP answer) keeps its status, announced by the webhook. `held`: the send-dues of messages
   * a rejected token holds for their store's next one, kept for the deferral loop.
   */
  async settle(settlements: Settlement[], held: ReadonlyMap<string, SendDue> = new Map()): Promise<Set<string>> {
    if (settlements.length === 0) return new Set();
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<SettlingRow> = await manager.query(
        `SELECT send_id, state, reason, wamid, error_code, attempts, history,
                deferred_until::text AS deferred_until, sending_since::text AS sending_since
         FROM messages WHERE send_id = ANY($1::text[]) ORDER BY send_id FOR UPDATE`,
        [settlements.map((s) => s.sendId)],
      );
      const current = new Map(rows.map((r) => [r.send_id, settlingViewOf(r)]));
      const moved = new Set<string>();
      const writes: Array<{ sendId: string; next: SettlingView }> = [];
      for (const s of settlements) {
        const view = current.get(s.sendId);
        if (!view) continue;
        const settled = settle(view, s);
        if (settled.moved) moved.add(s.sendId);
        current.set(s.sendId, settled.next);
        writes.push({ sendId: s.sendId, next: settled.next });
      }
      if (writes.length === 0) return moved;
      await manager.query(
        `UPDATE messages m SET state = k.state, reason = k.reason, wamid = k.wamid, error_code = k.error_code,
           attempts = k.attempts, history = k.history, deferred_until = k.deferred_until,
           sending_since = k.sending_since, send_due = coalesce(k.send_due, m.send_due), updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::jsonb[],
                     $8::timestamptz[], $9::timestamptz[], $10::jsonb[])
           AS k(send_id, state, reason, wamid, error_code, attempts, history, deferred_until, sending_since, send_due)
         WHERE m.send_id = k.send_id`,
        [
          writes.map((w) => w.sendId),
          writes.map((w) => w.next.state),
          writes.map((w) => w.next.reason),
          writes.map((w) => w.next.wamid),
          writes.map((w) => w.next.errorCode),
          writes.map((w) => w.next.attempts),
          writes.map((w) => JSON.stringify(w.next.history)),
          writes.map((w) => w.next.deferredUntil),
          writes.map((w) => w.next.sendingSince),
          writes.map((w) => {
            const sendDue = held.get(w.sendId);
            return sendDue ? JSON.stringify(sendDue) : null;
          }),
        ],
      );
      return moved;
    });
  }

  /** Whether a status webhook settled this send (its wamid is known) since the call began. */
  async settledByWebhook(sendId: string): Promise<string | null> {
    const [row]: Array<{ wamid: string | null }> = await this.dataSource.query(
      'SELECT wamid FROM messages WHERE send_id = $1',
      [sendId],
    );
    return row?.wamid ?? null;
  }

  /**
   * Messages a status webhook is about: by wamid, or by the sendId echoed in
   * biz_opaque_callback_data, or — a status naming neither (a send on /marketing_messages whose
   * answer was lost) — by its recipient, as `matchLostAnswers` decides: such a message comes
   * back with the status's wamid, which saving the statuses then records. Only messages still
   * `sending` are looked at (the partial index of in-flight sends), so a status arriving after
   * the send was recorded `unknown` is not matched.
   */
  async forStatuses(
    keys: Array<{ wamid: string; sendId?: string; at?: string; recipient?: { phone?: string } }>,
    manager: EntityManager,
  ): Promise<StoredMessage[]> {
    if (keys.length === 0) return [];
    const sendIds = keys.flatMap((k) => (k.sendId ? [k.sendId] : []));
    const rows: MessageRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM messages
       WHERE wamid = ANY($1::text[]) OR send_id = ANY($2::text[])
       ORDER BY send_id FOR UPDATE`,
      [keys.map((k) => k.wamid), sendIds],
    );
    const known = new Set(rows.flatMap((r) => [r.send_id, ...(r.wamid ? [r.wamid] : [])]));
    const unmatched = keys.flatMap((k) =>
      known.has(k.wamid) || (k.sendId && known.has(k.sendId)) || !k.recipient?.phone || !k.at
        ? []
        : [{ wamid: k.wamid, phone: k.recipient.phone, at: k.at }],
    );
    if (unmatched.length === 0) return rows.map(storedOf);
    const awaiting: Array<MessageRow & { called_at: Date }> = await manager.query(
      `SELECT ${COLUMNS}, called_at FROM messages
       WHERE state = 'sending' AND called_at IS NOT NULL AND wamid IS NULL
         AND phone = ANY($1::text[]) AND NOT (send_id = ANY($2::text[]))
       ORDER BY send_id FOR UPDATE`,
      [[...new Set(unmatched.map((u) => u.phone))], [...known]],
    );
    const matched = matchLostAnswers(
      unmatched,
      awaiting.map((a) => ({ sendId: a.send_id, phone: a.phone, calledAt: new Date(a.called_at) })),
    );
    const bySendId = new Map(awaiting.map((a) => [a.send_id, a]));
    const found = [...matched].map(([wamid, sendId]) => ({ ...storedOf(bySendId.get(sendId)!), wamid }));
    return [...rows.map(storedOf), ...found];
  }

  /**
   * Writes what status webhooks moved (the lifecycle's `applyStatus`), one statement for the
   * batch, with the `pricing` object of the latest webhook that carried one (what Meta charges).
   */
  async saveStatuses(
    messages: Array<MessageStatusView & { sendId: string; pricing?: MessagePricing | null }>,
    manager: EntityManager,
  ): Promise<void> {
    if (messages.length === 0) return;
    await manager.query(
      `UPDATE messages m SET state = k.state, wamid = coalesce(m.wamid, k.wamid),
         error_code = coalesce(k.error_code, m.error_code), history = k.history, sending_since = NULL,
         pricing = coalesce(k.pricing, m.pricing), updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::jsonb[], $6::jsonb[])
         AS k(send_id, state, wamid, error_code, history, pricing)
       WHERE m.send_id = k.send_id`,
      [
        messages.map((m) => m.sendId),
        messages.map((m) => m.state),
        messages.map((m) => m.wamid),
        messages.map((m) => m.errorCode),
        messages.map((m) => JSON.stringify(m.history)),
        messages.map((m) => (m.pricing ? JSON.stringify(m.pricing) : null)),
      ],
    );
  }

  /** The pricing Meta reported for these messages (null: no status webhook carried one). */
  async pricingOf(sendIds: string[]): Promise<Map<string, MessagePricing | null>> {
    const rows: Array<{ send_id: string; pricing: MessagePricing | null }> = await this.dataSource.query(
      'SELECT send_id, pricing FROM messages WHERE send_id = ANY($1::text[])',
      [sendIds],
    );
    return new Map(rows.map((r) => [r.send_id, r.pricing]));
  }

  /**
   * Deferred messages whose time came (or, held for a paused store, whose notAfter passed),
   * locked for this transaction (other instances skip them).
   */
  async claimDeferred(limit: number, manager: EntityManager): Promise<Array<{ sendDue: SendDue; reason: string }>> {
    const rows: Array<{ send_due: SendDue; reason: string }> = await manager.query(
      `SELECT send_due, reason FROM messages
       WHERE state = 'deferred'
         AND (deferred_until <= now()
              -- a paused store's messages wait without a time, but not past their notAfter
              OR (deferred_until IS NULL AND (send_due->>'notAfter')::timestamptz < now()))
       ORDER BY deferred_until NULLS FIRST LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({ sendDue: r.send_due, reason: r.reason }));
  }

  /**
   * Writes the new decisions of claimed deferred messages (the lifecycle's `redecided`: sending,
   * skipped, deferred again…), one statement for the batch. `previousReasons`: the reason each
   * was deferred for, by sendId, as claimed.
   */
  async redecide(
    messages: NewMessage[],
    previousReasons: ReadonlyMap<string, string | null>,
    manager: EntityManager,
  ): Promise<void> {
    if (messages.length === 0) return;
    const writes = messages.map((m) => redecided({ reason: previousReasons.get(m.sendId) ?? null }, m));
    await manager.query(
      `UPDATE messages m SET state = k.state, reason = k.reason, phone_number_id = k.phone_number_id,
         locale = k.locale, rendered_text = k.rendered_text, template = k.template,
         deferred_until = k.deferred_until, send_due = CASE WHEN k.keeps_send_due THEN m.send_due END,
         sending_since = k.sending_since, owner = k.owner, called_at = NULL,
         history = m.history || k.entries, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
                   $8::timestamptz[], $9::boolean[], $10::timestamptz[], $11::text[], $12::jsonb[])
         AS k(send_id, state, reason, phone_number_id, locale, rendered_text, template, deferred_until,
              keeps_send_due, sending_since, owner, entries)
       WHERE m.send_id = k.send_id`,
      [
        messages.map((m) => m.sendId),
        messages.map((m) => m.state),
        messages.map((m) => m.reason),
        messages.map((m) => m.phoneNumberId),
        messages.map((m) => m.locale),
        messages.map((m) => m.renderedText),
        messages.map((m) => (m.template ? JSON.stringify(m.template) : null)),
        messages.map((m) => m.deferredUntil?.toISOString() ?? null),
        writes.map((w) => w.keepsSendDue),
        writes.map((w) => w.sendingSince?.toISOString() ?? null),
        writes.map((w) => (w.intent ? this.owner : null)),
        writes.map((w) => JSON.stringify(w.entries)),
      ],
    );
  }

  /** Releases the messages a paused store held: the deferral loop looks at them at once. */
  async releasePaused(storeId: string): Promise<number> {
    const result: UpdateResult<unknown> = await this.dataSource.query(
      `UPDATE messages SET deferred_until = now(), updated_at = now()
       WHERE store_id = $1 AND state = 'deferred' AND deferred_until IS NULL RETURNING send_id`,
      [storeId],
    );
    return updatedRows(result).length;
  }

  /**
   * Marks these intents called, just before their first call, if this process still owns
   * them (the fence, NEVER_TWICE.fence). Returns the ones it may call: a sendId missing was
   * taken over (this process was thought dead) and must not be called from here.
   */
  async markCalled(sendIds: string[]): Promise<Set<string>> {
    const result: UpdateResult<{ send_id: string }> = await this.dataSource.query(
      `UPDATE messages SET called_at = coalesce(called_at, now())
       WHERE send_id = ANY($1::text[]) AND owner = $2 AND state = 'sending' RETURNING send_id`,
      [sendIds, this.owner],
    );
    return new Set(updatedRows(result).map((r) => r.send_id));
  }

  /**
   * Intents never called whose owner stopped (written more than `olderThanMs` ago): this
   * process takes them over and sends them. The owner, if alive after all (a long limiter
   * queue), finds them gone at markCalled and does not call. Never one this process is
   * delivering (`delivering`): it would then hold two deliveries of one sendId, both allowed
   * to call. Its own intents left behind (a batch that failed after writing them) are taken.
   * Only the owner changes (NEVER_TWICE.takeOverUncalled): no history entry, no outcome.
   */
  async takeOverUncalled(olderThanMs: number, limit: number, delivering: string[]): Promise<NewMessage[]> {
    const result: UpdateResult<{
      send_id: string;
      store_id: string;
      cart_id: string;
      phone: string;
      phone_number_id: string | null;
      locale: string | null;
      rendered_text: string | null;
      template: FilledTemplate | null;
    }> = await this.dataSource.query(
      `UPDATE messages SET owner = $3, sending_since = now(), updated_at = now()
       WHERE send_id IN (SELECT send_id FROM messages WHERE state = 'sending' AND called_at IS NULL
                         AND NOT (send_id = ANY($4::text[]))
                         AND sending_since < now() - make_interval(secs => $1::float / 1000)
                         ORDER BY sending_since LIMIT $2 FOR UPDATE SKIP LOCKED)
         AND called_at IS NULL
       RETURNING send_id, store_id, cart_id, phone, phone_number_id, locale, rendered_text, template`,
      [olderThanMs, limit, this.owner, delivering],
    );
    const now = new Date();
    return updatedRows(result).map((r) => ({
      sendId: r.send_id,
      storeId: r.store_id,
      cartId: r.cart_id,
      phone: r.phone,
      phoneNumberId: r.phone_number_id,
      state: 'sending',
      reason: null,
      locale: r.locale,
      renderedText: r.rendered_text,
      template: r.template,
      sendDue: null,
      deferredUntil: null,
      at: now,
    }));
  }

  /**
   * Sends called but left in `sending` longer than `olderThanMs` (the process died between
   * the call and the answer, and no status webhook came): marked unknown, never sent again
   * (NEVER_TWICE.markStaleUnknown; what the row becomes is the lifecycle's `staleUnknown`).
   */
  async markStaleUnknown(olderThanMs: number): Promise<StoredMessage[]> {
    const stale = staleUnknown(new Date());
    const result: UpdateResult<MessageRow> = await this.dataSource.query(
      `UPDATE messages SET state = $2, reason = $3, sending_since = NULL,
         history = history || jsonb_build_array($4::jsonb), updated_at = now()
       WHERE send_id IN (SELECT send_id FROM messages WHERE state = 'sending' AND called_at IS NOT NULL
                         AND sending_since < now() - make_interval(secs => $1::float / 1000)
                         ORDER BY sending_since LIMIT 1000 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [olderThanMs, stale.state, stale.reason, JSON.stringify(stale.entry)],
    );
    return updatedRows(result).map(storedOf);
  }
}
