/**
 * What the sender erases of a shopper, and what it keeps. Pure: the repository runs it.
 * - `messages` (phone, rendered text, template parameters with name and items, status
 *   history, pricing, the send-due copy), `contacts` (frequency slots), `shopper_identities`
 *   (the phone's business-scoped user id) and `marketing_limits`: deleted, whatever their
 *   state (a deferred or sending message of an erased shopper must not go out).
 * - `opt_outs`: each becomes a suppression (store, keyed hash of the phone, time, source),
 *   then the row is deleted: the shopper asked to stop, and an erasure must not undo that.
 * - `cart_closures`, `store_settings`, `number_pace`, `business_numbers`, `whatsapp_templates`:
 *   nothing of a shopper (store, cart and number ids, times). `pending_opt_outs` holds a user
 *   id no phone is paired with yet (once one is, it becomes an opt-out): it stays.
 */
export const ERASED_BY_PHONE = ['messages', 'contacts', 'shopper_identities', 'marketing_limits'] as const;

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
