/**
 * What the sender's purge may delete or blank, given a row's state and now
 * (docs/data-lifecycle.md, "The sender's tables"). Pure: the purge repository reads the rows,
 * asks here, and deletes (or blanks) what may go.
 */
import { holdInForce } from '@lib/contact-frequency';
import { StoreSettingsSchema } from '@lib/contracts';
import type { MessageState } from '../messages/message-lifecycle';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const settingsMaximum = (name: 'abandonAfterMinutes' | 'maxDeferralHours' | 'minHoursBetweenMessages') =>
  StoreSettingsSchema.properties[name].maximum as number;

/**
 * How long after a cart closed its closure can still change a decision. A closure skips a
 * send-due whose activity (`detectedAt − abandonAfterMinutes`) came before it; such a
 * send-due was detected at most `abandonAfterMinutes` (≤ 24 h) after that activity, and
 * expires at its `notAfter` (`detectedAt + maxDeferralHours`, ≤ 14 days), which `decideSend`
 * checks before the closure. So 15 days after it, no send-due the closure could skip can
 * still be sent, whenever it arrives (a late or replayed record expires).
 */
export const CLOSURE_DECIDES_DAYS =
  (settingsMaximum('abandonAfterMinutes') * 60_000 + settingsMaximum('maxDeferralHours') * HOUR_MS) / DAY_MS;

/**
 * How long after a shopper's last message their slot can still hold them: `decideSend` holds
 * back a shopper messaged less than the store's current `minHoursBetweenMessages` ago
 * (≤ 720 h), which may be longer than the hold written with the message.
 */
export const SLOT_DECIDES_DAYS = (settingsMaximum('minHoursBetweenMessages') * HOUR_MS) / DAY_MS;

export interface RetentionPolicy {
  /** RETENTION_MESSAGE_DAYS: a settled message row's lifetime after its last change. */
  messageDays: number;
  /** RETENTION_MESSAGE_BODY_DAYS: after this, its rendered text, template and send-due are blanked. */
  messageBodyDays: number;
  /** RETENTION_CART_CLOSURE_DAYS: a cart closure's lifetime after it occurred. */
  cartClosureDays: number;
  /** RETENTION_CONTACT_HOLD_DAYS: a frequency slot's lifetime after its hold and last message ended. */
  contactHoldDays: number;
}

/** A `messages` row as the purge reads it (epoch ms). */
export interface MessageAtRest {
  state: MessageState;
  /** Its last change (decision, delivery answer, status webhook). */
  updatedAt: number;
  /** Whether it still holds a rendered text, a filled template or a send-due. */
  hasBody: boolean;
}

export type MessageVerdict =
  | { action: 'delete' }
  | { action: 'blank-body' }
  | { action: 'keep'; keep: 'in-flight' | 'deferred' | 'unknown' | 'recent' };

/**
 * A message whose sending is not over is never touched: `sending` (the intent and its fence:
 * a take-over sends its rendered text) and `deferred` (the deferral loop decides it again from
 * its send-due). An `unknown` one (called, no answer, no webhook) is kept as a row: it is the
 * only trace that Meta may have accepted it, and its sendId must never be sent again; its body
 * is not needed (it is never sent again) and is blanked. Any other is settled: its body goes
 * after `messageBodyDays`, the row (the never-twice fence of its sendId, its status history)
 * after `messageDays`, both counted from its last change.
 */
export function messageVerdict(message: MessageAtRest, now: number, policy: RetentionPolicy): MessageVerdict {
  if (message.state === 'sending') return { action: 'keep', keep: 'in-flight' };
  if (message.state === 'deferred') return { action: 'keep', keep: 'deferred' };
  const age = now - message.updatedAt;
  if (message.state !== 'unknown' && age >= policy.messageDays * DAY_MS) return { action: 'delete' };
  if (message.hasBody && age >= policy.messageBodyDays * DAY_MS) return { action: 'blank-body' };
  return { action: 'keep', keep: message.state === 'unknown' ? 'unknown' : 'recent' };
}

/** A `cart_closures` row (epoch ms). */
export interface CartClosureAtRest {
  occurredAt: number;
}

/** A closure may go `cartClosureDays` after it occurred (never sooner than CLOSURE_DECIDES_DAYS). */
export function cartClosureVerdict(
  closure: CartClosureAtRest,
  now: number,
  policy: RetentionPolicy,
): { purge: true } | { purge: false; keep: 'recent' } {
  const days = Math.max(policy.cartClosureDays, CLOSURE_DECIDES_DAYS);
  return closure.occurredAt <= now - days * DAY_MS ? { purge: true } : { purge: false, keep: 'recent' };
}

/** A `contacts` row of the sender: the shopper's frequency slot (epoch ms). */
export interface ContactSlotAtRest {
  holdUntil: number;
  lastSentAt: number;
}

/**
 * A slot may go once its hold ended and `contactHoldDays` passed since the hold and the last
 * message (never sooner than SLOT_DECIDES_DAYS after the message): a shopper without a row is
 * a shopper nothing holds, which is what the slot says by then. Opt-outs are another table
 * (`opt_outs`), never purged.
 */
export function contactSlotVerdict(
  slot: ContactSlotAtRest,
  now: number,
  policy: RetentionPolicy,
): { purge: true } | { purge: false; keep: 'hold-in-force' | 'recent' } {
  if (holdInForce(slot.holdUntil, now)) return { purge: false, keep: 'hold-in-force' };
  const days = Math.max(policy.contactHoldDays, SLOT_DECIDES_DAYS);
  if (Math.max(slot.holdUntil, slot.lastSentAt) > now - days * DAY_MS) return { purge: false, keep: 'recent' };
  return { purge: true };
}

// A deleted store's rows go after the grace (@lib/store-deletion); here: messages (sending, deferred or unknown too), cart closures, frequency slots, opt-outs and their suppressions, shopper identities and Meta's limits.
export { deletedStoreVerdict, type DeletedStoreVerdict, type StoreDeletionPolicy } from '@lib/store-deletion';
