import { TOPIC, TOPIC_RETENTION_DAYS } from '@lib/contracts';

/**
 * What the sender erases of a shopper, and what it keeps. Pure: the repository runs it.
 * - `messages` (phone, rendered text, template parameters with name and items, status
 *   history, pricing, the send-due copy), `contacts` (frequency slots), `shopper_identities`
 *   (the phone's business-scoped user id) and `marketing_limits`: deleted, whatever their
 *   state (a deferred or sending message of an erased shopper must not go out).
 * - `opt_outs`: each becomes a suppression (store, keyed hash of the phone, time, source),
 *   then the row is deleted: the shopper asked to stop, and an erasure must not undo that.
 * - `erased_shoppers`: the phone's hash, store and time, for the in-flight rule (below).
 * - `cart_closures`, `store_settings`, `number_pace`, `business_numbers`, `whatsapp_templates`:
 *   nothing of a shopper (store, cart and number ids, times). `pending_opt_outs` holds a user
 *   id no phone is paired with yet (once one is, it becomes an opt-out): it stays.
 */
export const ERASED_BY_PHONE = ['messages', 'contacts', 'shopper_identities', 'marketing_limits'] as const;

const DAY_MS = 86_400_000;

/**
 * How long the sender remembers an erased shopper (by hash): as long as a send-due of theirs
 * emitted before the erasure can still be read from `send-due` (its retention), and a day.
 */
export const ERASED_SHOPPER_DAYS = (TOPIC_RETENTION_DAYS as Readonly<Record<string, number>>)[TOPIC.sendDue] + 1;

/**
 * Whether a send-due is one of an erased shopper's still in flight: its cart was detected at or
 * before the erasure of its phone at its store (or every store). It is dropped: no message, no
 * row. A send-due detected after the erasure is a new cart of the shopper, decided as any other
 * (a suppressed shopper's is skipped).
 */
export function isErasedSendDue(
  erased: ReadonlyArray<{ storeId: string | null; requestedAt: number }>,
  storeId: string,
  detectedAt: number,
  now: number,
): boolean {
  return erased.some(
    (e) =>
      (e.storeId === null || e.storeId === storeId) &&
      detectedAt <= e.requestedAt &&
      now - e.requestedAt <= ERASED_SHOPPER_DAYS * DAY_MS,
  );
}

export interface Suppression {
  storeId: string;
  phoneHash: string;
  optedOutAt: Date;
  source: string;
}

/** The suppressions an erasure keeps: one per opt-out it deletes. */
export function suppressionsOf(
  optOuts: Array<{ storeId: string; optedOutAt: Date; source: string }>,
  phoneHash: string,
): Suppression[] {
  return optOuts.map((o) => ({ storeId: o.storeId, phoneHash, optedOutAt: o.optedOutAt, source: o.source }));
}
