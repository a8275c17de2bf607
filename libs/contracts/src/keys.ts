/**
 * Every key the services share: the topics' record keys (which partition a record goes to,
 * and what compaction keeps) and the in-memory key of a shopper. Built here and nowhere else.
 */

/**
 * A cart's records (cart-events, send-due, a message's outcomes, its recovery link and link
 * clicks) share this key, so they stay in order on one partition. Also a cart's key in the services' maps.
 */
export function cartKey(storeId: string, cartId: string): string {
  return `${storeId}:${cartId}`;
}

/** A shopper's opt-out on message-outcomes: keyed by store and phone (it belongs to no one cart). */
export function optOutKey(storeId: string, phone: string): string {
  return `${storeId}:${phone}`;
}

/**
 * An erasure request on erasure-requests: keyed by the phone, so one shopper's requests (at one
 * store or every store) stay in order on one partition, whatever the store.
 */
export function erasureRequestKey(phone: string): string {
  return phone;
}

/** A service's completion of an erasure on erasure-completions: keyed by the request id. */
export function erasureCompletionKey(id: string): string {
  return id;
}

/**
 * One shopper of one store, as the frequency rule (@lib/contact-frequency) and opt-outs count
 * them (the same phone at the same store, whatever the cart). A map key, never on a topic; NUL
 * cannot occur in either part. Typed, so a map of shoppers is never read with another key.
 */
export type ShopperKey = string & { readonly __key: 'shopper' };

export function shopperKey(storeId: string, phone: string): ShopperKey {
  return `${storeId}\u0000${phone}` as ShopperKey;
}
