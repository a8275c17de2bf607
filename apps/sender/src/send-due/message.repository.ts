import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { SendDue } from '@lib/contracts';
import { updatedRows, type UpdateResult } from '@lib/database';
import type { DecidedState, HistoryEntry, MessageState, Settlement } from './message-lifecycle';
import type { FilledTemplate } from './rendering';

export type { HistoryEntry, MessageState, Settlement } from './message-lifecycle';

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
   * Writes decided messages; a sendId already there is left alone (ON CONFLICT DO NOTHING).
   * Returns the sendIds written by this call: only those are this caller's to send.
   */
  async insert(messages: NewMessage[], manager: EntityManager): Promise<Set<string>> {
    if (messages.length === 0) return new Set();
    const rows: Array<{ send_id: string }> = await manager.query(
      `INSERT INTO messages (send_id, store_id, cart_id, phone, phone_number_id, state, reason, locale,
                             rendered_text, template, send_due, deferred_until, sending_since, owner, history,
                             created_at, updated_at)
       SELECT k.send_id, k.store_id, k.cart_id, k.phone, k.phone_number_id, k.state, k.reason, k.locale,
              k.rendered_text, k.template, k.send_due, k.deferred_until,
              CASE WHEN k.state = 'sending' THEN k.at END, CASE WHEN k.state = 'sending' THEN $14 END,
              jsonb_build_array(jsonb_strip_nulls(jsonb_build_object('status', k.state, 'at', k.at, 'reason', k.reason))),
              k.at, k.at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::jsonb[], $11::jsonb[], $12::timestamptz[], $13::timestamptz[])
         AS k(send_id, store_id, cart_id, phone, phone_number_id, state, reason, locale, rendered_text, template,
              send_due, deferred_until, at)
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
        messages.map((m) => (m.state === 'deferred' && m.sendDue ? JSON.stringify(m.sendDue) : null)),
        messages.map((m) => m.deferredUntil?.toISOString() ?? null),
        messages.map((m) => m.at.toISOString()),
        this.owner,
      ],
    );
    return new Set(rows.map((r) => r.send_id));
  }

  /**
   * Records how the sends ended, and returns the sendIds this call moved on. A status webhook
   * may have moved a row on already (Meta's `sent` can beat the HTTP answer): then the
   * webhook's status stays and was announced by the webhook, the wamid and attempts are kept.
   */
  async settle(settlements: Settlement[]): Promise<Set<string>> {
    if (settlements.length === 0) return new Set();
    const params = [
      settlements.map((s) => s.sendId),
      settlements.map((s) => s.state),
      settlements.map((s) => s.wamid ?? null),
      settlements.map((s) => s.errorCode ?? null),
      settlements.map((s) => s.reason ?? null),
      settlements.map((s) => s.attempts),
      settlements.map((s) => s.at.toISOString()),
    ];
    const keys = `unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::timestamptz[])
         AS k(send_id, state, wamid, error_code, reason, attempts, at)`;
    // The state condition is checked again on the latest row version after waiting for a
    // webhook's lock (read committed), so a row is moved by exactly one of the two.
    const moved: UpdateResult<{ send_id: string }> = await this.dataSource.query(
      `UPDATE messages m SET
         state = k.state, reason = k.reason, wamid = coalesce(m.wamid, k.wamid),
         error_code = coalesce(k.error_code, m.error_code), attempts = m.attempts + k.attempts,
         deferred_until = CASE WHEN k.state = 'deferred' THEN NULL ELSE m.deferred_until END,
         sending_since = CASE WHEN k.state = 'deferred' THEN NULL ELSE m.sending_since END,
         history = m.history || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                     'status', k.state, 'at', k.at, 'reason', k.reason, 'code', k.error_code))),
         updated_at = now()
       FROM ${keys}
       WHERE m.send_id = k.send_id AND m.state IN ('sending', 'unknown')
       RETURNING m.send_id`,
      params,
    );
    const movedIds = new Set(updatedRows(moved).map((r) => r.send_id));
    if (movedIds.size < settlements.length) {
      await this.dataSource.query(
        `UPDATE messages m SET
           wamid = coalesce(m.wamid, k.wamid), error_code = coalesce(k.error_code, m.error_code),
           attempts = m.attempts + k.attempts, updated_at = now()
         FROM ${keys}
         WHERE m.send_id = k.send_id AND NOT (m.send_id = ANY($8::text[]))`,
        [...params, [...movedIds]],
      );
    }
    return movedIds;
  }

  /** Whether a status webhook settled this send (its wamid is known) since the call began. */
  async settledByWebhook(sendId: string): Promise<string | null> {
    const [row]: Array<{ wamid: string | null }> = await this.dataSource.query(
      'SELECT wamid FROM messages WHERE send_id = $1',
      [sendId],
    );
    return row?.wamid ?? null;
  }

  /** Messages a status webhook is about: by wamid, or by the sendId echoed in biz_opaque_callback_data. */
  async forStatuses(keys: Array<{ wamid: string; sendId?: string }>, manager: EntityManager): Promise<StoredMessage[]> {
    if (keys.length === 0) return [];
    const rows: MessageRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM messages
       WHERE wamid = ANY($1::text[]) OR send_id = ANY($2::text[])
       ORDER BY send_id FOR UPDATE`,
      [keys.map((k) => k.wamid), keys.flatMap((k) => (k.sendId ? [k.sendId] : []))],
    );
    return rows.map(storedOf);
  }

  async saveStatus(
    message: {
      sendId: string;
      state: MessageState;
      wamid: string | null;
      errorCode: number | null;
      history: HistoryEntry[];
    },
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `UPDATE messages SET state = $2, wamid = coalesce(wamid, $3), error_code = coalesce($4, error_code),
         history = $5::jsonb, sending_since = NULL, updated_at = now()
       WHERE send_id = $1`,
      [message.sendId, message.state, message.wamid, message.errorCode, JSON.stringify(message.history)],
    );
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

  /** Re-decides a claimed deferred message: it becomes `state` (sending, skipped, deferred again…). */
  async redecide(messages: NewMessage[], manager: EntityManager): Promise<void> {
    for (const m of messages) {
      await manager.query(
        `UPDATE messages SET state = $2, reason = $3, phone_number_id = $4, locale = $5, rendered_text = $6,
           template = $7::jsonb, deferred_until = $8, send_due = CASE WHEN $2 = 'deferred' THEN send_due END,
           sending_since = CASE WHEN $2 = 'sending' THEN $9::timestamptz END,
           owner = CASE WHEN $2 = 'sending' THEN $10 END, called_at = NULL,
           history = CASE WHEN $2 = 'deferred' AND state = 'deferred' AND reason IS NOT DISTINCT FROM $3 THEN history
                          ELSE history || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object('status', $2, 'at', $9::timestamptz, 'reason', $3))) END,
           updated_at = now()
         WHERE send_id = $1`,
        [
          m.sendId,
          m.state,
          m.reason,
          m.phoneNumberId,
          m.locale,
          m.renderedText,
          m.template ? JSON.stringify(m.template) : null,
          m.deferredUntil?.toISOString() ?? null,
          m.at.toISOString(),
          this.owner,
        ],
      );
    }
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

  /** Holds a message whose store got paused mid-batch, keeping what the deferral loop needs. */
  async holdForPausedStore(sendId: string, sendDue: SendDue): Promise<void> {
    await this.dataSource.query(`UPDATE messages SET send_due = $2::jsonb WHERE send_id = $1`, [
      sendId,
      JSON.stringify(sendDue),
    ]);
  }

  /**
   * Marks these intents called, just before their first call, if this process still owns
   * them. Returns the ones it may call: a sendId missing was taken over (this process was
   * thought dead) and must not be called from here.
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
   * the call and the answer, and no status webhook came): marked unknown, never sent again.
   */
  async markStaleUnknown(olderThanMs: number): Promise<StoredMessage[]> {
    const result: UpdateResult<MessageRow> = await this.dataSource.query(
      `UPDATE messages SET state = 'unknown', reason = 'no-answer-after-crash', sending_since = NULL,
         history = history || jsonb_build_array(jsonb_build_object('status', 'unknown', 'at', now(), 'reason', 'no-answer-after-crash')),
         updated_at = now()
       WHERE send_id IN (SELECT send_id FROM messages WHERE state = 'sending' AND called_at IS NOT NULL
                         AND sending_since < now() - make_interval(secs => $1::float / 1000)
                         ORDER BY sending_since LIMIT 1000 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [olderThanMs],
    );
    return updatedRows(result).map(storedOf);
  }
}
