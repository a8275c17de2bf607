import { heldBackByLastMessage } from '@lib/contact-frequency';
import type { SendDue, StoreSettings } from '@lib/contracts';
import { marketBlocked, type MarketRules } from './market-rules';

/** The store's opening hours as the sender reads them (@lib/business-hours behind it). */
export interface StoreOpenings {
  isOpen(at: Date, settings: StoreSettings): boolean;
  /** The first open instant at or after `after`, or null when the week never opens. */
  nextOpening(after: Date, settings: StoreSettings): Date | null;
}

export type SkipReason =
  | 'unknown-store'
  | 'disabled'
  | 'opted-out'
  | 'converted'
  | 'emptied'
  | 'market-blocked'
  | 'limited-by-meta'
  | 'frequency-cap';

export type DeferReason = 'outside-opening-hours' | 'not-yet-due' | 'store-paused';

export type SendDecision =
  | { action: 'send' }
  | { action: 'skip'; reason: SkipReason }
  | { action: 'expire'; reason: 'not-after-passed' | 'no-opening-before-not-after' }
  /** `until` null: no time is known (a paused store waits for new settings). */
  | { action: 'defer'; reason: DeferReason; until: Date | null };

export interface SendFacts {
  sendDue: SendDue;
  /** Undefined: the store is unknown to the sender (never configured, or deleted). */
  settings: StoreSettings | undefined;
  /** The store's token was rejected and no new token came since. */
  storePaused: boolean;
  optedOut: boolean;
  /** Meta limited this shopper's marketing messages (131049) less than 24 h ago. */
  limitedByMeta: boolean;
  /** The category Meta gave the store's template last (template mode; null: none known). */
  latestCategory?: string | null;
  /** The newest conversion or emptying of the cart, if any. */
  closure: { kind: 'converted' | 'emptied'; occurredAt: Date } | undefined;
  /** The last message that went (or is going) out to this shopper from this store (maybe this one). */
  lastMessage: { sendId: string; at: Date } | undefined;
  now: Date;
}

/**
 * What to do with one send-due now. Pure: the pipeline gathers the facts, this decides, the
 * pipeline records. Order matters: reasons that make the message pointless forever (store,
 * opt-out, cart closed, too late) come before reasons to wait (paused store, hours).
 */
export function decideSend(
  facts: SendFacts,
  hours: StoreOpenings,
  markets: MarketRules = { blockUsMarketing: false },
): SendDecision {
  const { sendDue, settings, now } = facts;
  if (!settings) return { action: 'skip', reason: 'unknown-store' };
  if (!settings.enabled) return { action: 'skip', reason: 'disabled' };
  const notAfter = new Date(sendDue.notAfter);
  if (now.getTime() > notAfter.getTime()) return { action: 'expire', reason: 'not-after-passed' };
  if (facts.optedOut) return { action: 'skip', reason: 'opted-out' };
  if (facts.closure && facts.closure.occurredAt.getTime() > lastActivityOf(sendDue, settings).getTime()) {
    return { action: 'skip', reason: facts.closure.kind };
  }
  // Before the frequency check: a message Meta would not deliver takes no slot and no call.
  if (marketBlocked(sendDue.customer.phone, settings, markets, facts.latestCategory ?? null)) {
    return { action: 'skip', reason: 'market-blocked' };
  }
  // Meta would hold it back again: no call, no slot, a reason of its own (not the store's rule).
  if (facts.limitedByMeta) return { action: 'skip', reason: 'limited-by-meta' };
  if (heldBackByLastMessage(facts.lastMessage, sendDue.sendId, now, settings.minHoursBetweenMessages)) {
    return { action: 'skip', reason: 'frequency-cap' };
  }
  if (facts.storePaused) return { action: 'defer', reason: 'store-paused', until: null };
  // A send-due read before its time (clocks apart) waits for it rather than going early.
  const dueAt = new Date(sendDue.dueAt);
  if (dueAt.getTime() > now.getTime()) return deferTo(dueAt, 'not-yet-due', notAfter, settings, hours);
  if (hours.isOpen(now, settings)) return { action: 'send' };
  return deferTo(now, 'outside-opening-hours', notAfter, settings, hours);
}

function deferTo(
  from: Date,
  reason: DeferReason,
  notAfter: Date,
  settings: StoreSettings,
  hours: StoreOpenings,
): SendDecision {
  const opening = hours.isOpen(from, settings) ? from : hours.nextOpening(from, settings);
  if (!opening || opening.getTime() > notAfter.getTime()) {
    return { action: 'expire', reason: 'no-opening-before-not-after' };
  }
  return { action: 'defer', reason, until: opening };
}

/**
 * The cart's last activity behind this send-due: detection is that activity plus the store's
 * abandonAfterMinutes. A conversion or emptying after it makes the reminder stale; one before
 * it belongs to an earlier life of the cart (an emptied cart filled again).
 */
export function lastActivityOf(sendDue: SendDue, settings: StoreSettings): Date {
  return new Date(Date.parse(sendDue.detectedAt) - settings.abandonAfterMinutes * 60_000);
}
