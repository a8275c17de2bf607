/**
 * What the scheduler's purge may delete, given a row's state and now (docs/data-lifecycle.md).
 * Pure: the purge repository reads the rows, asks here, and deletes what may go.
 */
import { holdInForce } from '@lib/contact-frequency';

const DAY_MS = 86_400_000;

export interface RetentionPolicy {
  /** RETENTION_CLOSED_CART_DAYS: a cart's lifetime after its last change. */
  closedCartDays: number;
  /** RETENTION_CONTACT_HOLD_DAYS: a contact row's lifetime after its hold and last message ended. */
  contactHoldDays: number;
}

/** A cart with its closed episodes and their outcomes, as the purge reads them (epoch ms). */
export interface CartAtRest {
  /** The cart's timer (a send or an expiry still to come), if any. */
  timerAt: number | null;
  /** Latest write of the cart row and of its episodes' outcomes. */
  lastChangeAt: number;
  lastActivityAt: number | null;
  detectedAt: number | null;
  closedAt: number | null;
  /**
   * `notAfter` of each message the sender deferred and has not settled yet (sent, failed,
   * skipped or expired): the sender may still send it, and its outcome is still to be counted.
   */
  unsettledNotAfter: Array<number | null>;
}

export type CartVerdict = { purge: true } | { purge: false; keep: 'timer-pending' | 'recent' | 'message-unsettled' };

/**
 * A cart may go (rolled up into the daily stats, then deleted with its episodes and outcomes)
 * when nothing waits on it: no timer (an open abandonment still to be sent or expired), no
 * change for `closedCartDays`, and no deferred message whose send window may still be open.
 */
export function cartVerdict(cart: CartAtRest, now: number, policy: RetentionPolicy): CartVerdict {
  if (cart.timerAt !== null) return { purge: false, keep: 'timer-pending' };
  const cutoff = now - policy.closedCartDays * DAY_MS;
  const latest = Math.max(cart.lastChangeAt, cart.lastActivityAt ?? 0, cart.detectedAt ?? 0, cart.closedAt ?? 0);
  if (latest > cutoff) return { purge: false, keep: 'recent' };
  // A deferred message without notAfter has no end the scheduler knows: it waits for its outcome.
  if (cart.unsettledNotAfter.some((notAfter) => notAfter === null || notAfter > cutoff))
    return { purge: false, keep: 'message-unsettled' };
  return { purge: true };
}

/** A (store, phone) row of `contacts` (epoch ms). */
export interface ContactAtRest {
  optedOutAt: number | null;
  holdUntil: number | null;
  lastSentAt: number | null;
}

/** What the purge does with a contact row (not the frequency rule's verdict on an ask). */
export type ContactRetention = { purge: true } | { purge: false; keep: 'opted-out' | 'hold-in-force' | 'recent' };

/**
 * A contact row may go when it is no opt-out (kept until an erasure says otherwise) and its
 * frequency hold and last message ended `contactHoldDays` ago: a row with neither says nothing
 * the frequency rule or the opt-out check would miss.
 */
export function contactVerdict(contact: ContactAtRest, now: number, policy: RetentionPolicy): ContactRetention {
  if (contact.optedOutAt !== null) return { purge: false, keep: 'opted-out' };
  if (contact.holdUntil !== null && holdInForce(contact.holdUntil, now)) return { purge: false, keep: 'hold-in-force' };
  const cutoff = now - policy.contactHoldDays * DAY_MS;
  if (Math.max(contact.holdUntil ?? 0, contact.lastSentAt ?? 0) > cutoff) return { purge: false, keep: 'recent' };
  return { purge: true };
}

/**
 * A consent record (`consent_records`) may go `closedCartDays` after a cart event last carried
 * it: by then every cart it was given for is gone too. A withdrawal's opt-out stays in
 * `contacts` (never purged); only its evidence goes.
 */
export function consentVerdict(
  record: { lastSeenAt: number },
  now: number,
  policy: RetentionPolicy,
): { purge: true } | { purge: false; keep: 'recent' } {
  return record.lastSeenAt <= now - policy.closedCartDays * DAY_MS ? { purge: true } : { purge: false, keep: 'recent' };
}

// A deleted store's rows go after the grace (@lib/store-deletion); here: its carts, episodes, outcomes and clicks, contacts (opt-outs and holds), consent records and daily stats.
export { deletedStoreVerdict, type DeletedStoreVerdict, type StoreDeletionPolicy } from '@lib/store-deletion';
