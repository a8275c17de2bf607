import { OUTCOME_REASON, type MessageOutcome } from '@lib/contracts';
import type { HoldSettlement } from '../contacts/contact-hold.repository';

/** One sendId's outcomes of a batch, folded into the columns of `message_outcomes`. */
export interface OutcomeSummary {
  send_id: string;
  store_id: string;
  cart_id: string;
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
  failed_at: string | null;
  failed_reason: string | null;
  skipped_at: string | null;
  skipped_reason: string | null;
  expired_at: string | null;
  deferred_at: string | null;
  /** Meta held it back for a paced template (its first time). */
  paced_at: string | null;
  /** Meta released it from pacing while the store was closed (the sender's reason on sent/delivered). */
  released_after_closing_at: string | null;
  /** Meta's pricing as its latest status webhook with one reported it (null: none reported). */
  billable: boolean | null;
  pricing_category: string | null;
  /** When that pricing was reported: a later one replaces it. */
  priced_at: string | null;
}

type TimeColumn =
  'sent_at' | 'delivered_at' | 'read_at' | 'failed_at' | 'skipped_at' | 'expired_at' | 'deferred_at' | 'paced_at';

const COLUMN: Record<MessageOutcome['status'], TimeColumn> = {
  sent: 'sent_at',
  delivered: 'delivered_at',
  read: 'read_at',
  failed: 'failed_at',
  skipped: 'skipped_at',
  expired: 'expired_at',
  deferred: 'deferred_at',
  paced: 'paced_at',
};

/** Statuses that mean the shopper got (or is getting) the message. */
export const WENT_OUT: ReadonlySet<MessageOutcome['status']> = new Set(['sent', 'delivered', 'read']);

/**
 * Folds outcomes per sendId: each status keeps its earliest time (the latest for `deferred`,
 * which can repeat). A `skipped` with reason `duplicate` is the sender dropping a re-emission
 * of a sendId it already handled: it says nothing about the message and is left out.
 */
export function summarizeOutcomes(outcomes: MessageOutcome[]): OutcomeSummary[] {
  const bySend = new Map<string, OutcomeSummary>();
  for (const o of outcomes) {
    if (o.status === 'skipped' && o.reason === 'duplicate') continue;
    let s = bySend.get(o.sendId);
    if (!s) {
      s = {
        send_id: o.sendId,
        store_id: o.storeId,
        cart_id: o.cartId,
        sent_at: null,
        delivered_at: null,
        read_at: null,
        failed_at: null,
        failed_reason: null,
        skipped_at: null,
        skipped_reason: null,
        expired_at: null,
        deferred_at: null,
        paced_at: null,
        released_after_closing_at: null,
        billable: null,
        pricing_category: null,
        priced_at: null,
      };
      bySend.set(o.sendId, s);
    }
    const column = COLUMN[o.status];
    const at = new Date(o.at).toISOString();
    if (o.pricing && (s.priced_at === null || at >= s.priced_at)) {
      s.billable = o.pricing.billable;
      s.pricing_category = o.pricing.category;
      s.priced_at = at;
    }
    if (o.reason === OUTCOME_REASON.releasedAfterClosing && WENT_OUT.has(o.status)) {
      if (s.released_after_closing_at === null || at < s.released_after_closing_at) s.released_after_closing_at = at;
    }
    const current = s[column];
    const replace = current === null || (column === 'deferred_at' ? at > current : at < current);
    if (!replace) continue;
    s[column] = at;
    if (o.status === 'failed') s.failed_reason = o.reason ?? null;
    if (o.status === 'skipped') s.skipped_reason = o.reason ?? null;
  }
  return [...bySend.values()];
}

/** How each send of the batch ended for its frequency hold (ContactHoldRepository.settleHolds). */
export function holdSettlements(summaries: OutcomeSummary[]): HoldSettlement[] {
  const out: HoldSettlement[] = [];
  for (const s of summaries) {
    const wentOutAt = [s.sent_at, s.delivered_at, s.read_at].filter((x): x is string => x !== null).sort()[0];
    if (wentOutAt) out.push({ storeId: s.store_id, sendId: s.send_id, wentOut: true, at: wentOutAt });
    else if (s.failed_at || s.skipped_at || s.expired_at) {
      out.push({
        storeId: s.store_id,
        sendId: s.send_id,
        wentOut: false,
        at: (s.failed_at ?? s.skipped_at ?? s.expired_at)!,
      });
    }
  }
  return out;
}
