import { OUTCOME_REASON, type MessageOutcome, type OutcomePricing, type OutcomeStatus } from '@lib/contracts';
import type { DeliveryOutcome } from '../whatsapp';
import { LIMITED_BY_META } from '../contacts/marketing-limit';

/**
 * A message's life in the sender, as pure functions: its states, the moves allowed between
 * them and what makes each one (a decision, a delivery result, a status webhook, a take-over,
 * a crash left unanswered), the history entry each move writes and the outcome it announces
 * on `message-outcomes`. MessageRepository persists what these functions decide; the
 * guards that must hold atomically in the database are named at the end (NEVER_TWICE).
 *
 *   decided ─┬─ sending ──delivery──▶ sent │ paced │ failed │ deferred(store-paused) │ unknown
 *            │     │  └─take-over─▶ sending (another owner, never called yet)
 *            │     └──stale──▶ unknown (called, no answer, no webhook)
 *            ├─ deferred ──re-decided──▶ any decided state
 *            └─ skipped │ expired │ failed (ends, never went out)
 *   sending │ unknown │ paced │ sent │ failed │ delivered ──webhook──▶ further (never back)
 *
 * `paced`: Meta took the message but holds it (a paced template: `held_for_quality_assessment`
 * or `paused` in its answer). It has its wamid and is never sent again; Meta's own `sent`
 * releases it, a `failed` says Meta dropped it.
 */

export type MessageState =
  'sending' | 'sent' | 'paced' | 'delivered' | 'read' | 'failed' | 'skipped' | 'expired' | 'deferred' | 'unknown';

/** The states a decision (decideSend, then rendering and the frequency slot) gives a message. */
export type DecidedState = Extract<MessageState, 'sending' | 'skipped' | 'expired' | 'deferred' | 'failed'>;

/** One step of a message's life, as kept in `messages.history`. */
export interface HistoryEntry {
  status: MessageState;
  at: string;
  reason?: string;
  code?: number;
}

/** The one way a history entry is written: absent fields are left out, not null. */
export function historyEntry(
  status: MessageState,
  at: Date | string,
  reason?: string | null,
  code?: number | null,
): HistoryEntry {
  return {
    status,
    at: typeof at === 'string' ? at : at.toISOString(),
    ...(reason != null ? { reason } : {}),
    ...(code != null ? { code } : {}),
  };
}

/** The outcome a message's state announces on `message-outcomes`; `sending`/`unknown` announce none. */
export function outcomeStatusOf(state: MessageState): OutcomeStatus | undefined {
  return state === 'sending' || state === 'unknown' ? undefined : state;
}

/** The `message-outcomes` record of one move (the contract's shape; the key is the cart's). */
export function messageOutcome(o: {
  sendId: string;
  storeId: string;
  cartId: string;
  status: OutcomeStatus;
  reason?: string | null;
  wamid?: string | null;
  pricing?: OutcomePricing;
  at: Date;
}): MessageOutcome {
  return {
    schemaVersion: 1,
    sendId: o.sendId,
    storeId: o.storeId,
    cartId: o.cartId,
    status: o.status,
    reason: o.reason ?? null,
    whatsappMessageId: o.wamid ?? null,
    ...(o.pricing ? { pricing: o.pricing } : {}),
    at: o.at.toISOString(),
  };
}

// ── Decided (the send-due pipeline) and re-decided (the deferral loop) ──────────────────────

/** What writing a decision sets besides the decision itself. */
export interface DecisionWrite {
  /** Entries appended to the history (the first one on insert; none when deferred again alike). */
  entries: HistoryEntry[];
  /** A message to send is an intent: owned by the writing process, its clock started. */
  intent: boolean;
  sendingSince: Date | null;
  /** Only a deferred message keeps its send-due, for the deferral loop to decide again. */
  keepsSendDue: boolean;
}

/** A new message row (`MessageRepository.insert`): its first history entry is the decision. */
export function decided(m: { state: DecidedState; reason: string | null; at: Date }): DecisionWrite {
  return {
    entries: [historyEntry(m.state, m.at, m.reason)],
    intent: m.state === 'sending',
    sendingSince: m.state === 'sending' ? m.at : null,
    keepsSendDue: m.state === 'deferred',
  };
}

/**
 * A deferred message decided again (`MessageRepository.redecide`). Deferred again for the
 * same reason (still closed, still paused) adds no entry: the loop looks every few seconds.
 */
export function redecided(
  previous: { reason: string | null },
  next: { state: DecidedState; reason: string | null; at: Date },
): DecisionWrite {
  const write = decided(next);
  const same = next.state === 'deferred' && previous.reason === next.reason;
  return same ? { ...write, entries: [] } : write;
}

interface DecidedMessage {
  sendId: string;
  storeId: string;
  cartId: string;
  state: DecidedState;
  reason: string | null;
  at: Date;
}

/** What a new decision announces: a message to send announces nothing until its delivery ends. */
export function decidedOutcome(m: DecidedMessage): MessageOutcome | undefined {
  if (m.state === 'sending') return undefined;
  return messageOutcome({ ...m, status: m.state });
}

/** What a new decision of a deferred message announces: one still deferred was announced already. */
export function redecidedOutcome(m: DecidedMessage): MessageOutcome | undefined {
  return m.state === 'deferred' ? undefined : decidedOutcome(m);
}

/**
 * A stored message's outcome announced again, dated by its last step: its send-due came
 * again, and the run that recorded it may have died before its outcome was acknowledged.
 */
export function restatedOutcome(m: {
  sendId: string;
  storeId: string;
  cartId: string;
  state: MessageState;
  reason: string | null;
  wamid: string | null;
  history: HistoryEntry[];
}): MessageOutcome | undefined {
  const status = outcomeStatusOf(m.state);
  if (!status) return undefined;
  const last = m.history[m.history.length - 1];
  return messageOutcome({ ...m, status, at: new Date(last?.at ?? Date.now()) });
}

// ── Delivery results (MessageDelivery) ─────────────────────────────────────────────────────

/** How a send ended, as the delivery reports it; applied by `settle` while the row is still settleable. */
export interface Settlement {
  sendId: string;
  state: Extract<MessageState, 'sent' | 'paced' | 'failed' | 'deferred' | 'unknown'>;
  wamid?: string;
  errorCode?: number;
  reason?: string;
  attempts: number;
  at: Date;
}

/** What one delivery result means: the settlement, what it announces, and what else it sets off. */
export interface DeliveryEnd {
  settlement: Settlement;
  /** The outcome to announce; with `announcedIfMoved`, only when this settlement moved the row. */
  outcome?: MessageOutcome;
  /** `sent`: a `sent` webhook that beat the HTTP answer announced it already. */
  announcedIfMoved: boolean;
  /** 131050: record the shopper's opt-out. */
  optsOut: boolean;
  /** Token or account rejected: pause the store, keep the message for its next token. */
  pausesStore?: { code: number; reason: string };
  /** The shopper was never reached: the frequency slot goes back. */
  releasesSlot: boolean;
  /** The `sender_messages_total` result. */
  counted: 'sent' | 'paced' | 'failed' | 'deferred' | 'unknown';
}

/** The pure half of MessageDelivery.record: a delivery result mapped to its settlement and outcome. */
export function deliveryEnd(
  message: { sendId: string; storeId: string; cartId: string },
  { result, attempts }: DeliveryOutcome,
  at: Date,
): DeliveryEnd {
  const base = { sendId: message.sendId, storeId: message.storeId, cartId: message.cartId, at };
  const none = { announcedIfMoved: false, optsOut: false, releasesSlot: false };
  if (result.kind === 'accepted') {
    const wamid = result.whatsappMessageId;
    if (result.paced) {
      // Taken by Meta and held back (a paced template): never sent again, shown as paced until Meta moves it.
      return {
        ...none,
        settlement: { sendId: message.sendId, state: 'paced', wamid, reason: result.paced, attempts, at },
        outcome: messageOutcome({ ...base, status: 'paced', reason: result.paced, wamid }),
        announcedIfMoved: true,
        counted: 'paced',
      };
    }
    return {
      ...none,
      settlement: { sendId: message.sendId, state: 'sent', wamid, attempts, at },
      outcome: messageOutcome({ ...base, status: 'sent', wamid }),
      announcedIfMoved: true,
      counted: 'sent',
    };
  }
  const failed = { sendId: message.sendId, state: 'failed' as const, errorCode: result.code, attempts, at };
  if (result.kind === 'permanent') {
    return {
      ...none,
      settlement: { ...failed, reason: result.reason },
      outcome: messageOutcome({ ...base, status: 'failed', reason: failureReason(result.code, result.reason) }),
      optsOut: result.optedOut === true,
      releasesSlot: true,
      counted: 'failed',
    };
  }
  if (result.kind === 'token-rejected') {
    // Nothing went out (Meta refused the credentials): held for the store's next token.
    return {
      ...none,
      settlement: { ...failed, state: 'deferred', reason: 'store-paused' },
      outcome: messageOutcome({ ...base, status: 'deferred', reason: 'store-paused' }),
      pausesStore: { code: result.code, reason: result.reason },
      counted: 'deferred',
    };
  }
  if (result.ambiguous) {
    // Maybe accepted, no webhook said so: never sent again; a late webhook still settles it.
    return { ...none, settlement: { ...failed, state: 'unknown', reason: result.reason }, counted: 'unknown' };
  }
  return {
    ...none,
    settlement: { ...failed, reason: `retries-exhausted: ${result.reason}` },
    outcome: messageOutcome({ ...base, status: 'failed', reason: failureReason(result.code, 'retries-exhausted') }),
    releasesSlot: true,
    counted: 'failed',
  };
}

function failureReason(code: number | undefined, reason: string): string {
  return code ? `${code}: ${reason}`.slice(0, 200) : reason.slice(0, 200);
}

/** A message as settling reads and writes it (the row is locked meanwhile). */
export interface SettlingView {
  state: MessageState;
  reason: string | null;
  wamid: string | null;
  errorCode: number | null;
  attempts: number;
  history: HistoryEntry[];
  deferredUntil: string | null;
  sendingSince: string | null;
}

/**
 * Only an intent still waiting for its answer takes a delivery result: a status webhook may
 * have moved the row on already (Meta's `sent` can beat the HTTP answer), and `unknown` (the
 * stale mark) is still open to the answer.
 */
export const SETTLEABLE: readonly MessageState[] = ['sending', 'unknown'];

/**
 * One delivery result applied to a message. Moved: it takes the settlement's state and
 * reason and its history entry. Not moved (a webhook was first): the webhook's state stays,
 * announced by the webhook; the wamid, the error code and the attempts are still kept.
 */
export function settle(current: SettlingView, s: Settlement): { moved: boolean; next: SettlingView } {
  const kept = {
    ...current,
    wamid: current.wamid ?? s.wamid ?? null,
    errorCode: s.errorCode ?? current.errorCode,
    attempts: current.attempts + s.attempts,
  };
  if (!SETTLEABLE.includes(current.state)) return { moved: false, next: kept };
  const deferred = s.state === 'deferred';
  return {
    moved: true,
    next: {
      ...kept,
      state: s.state,
      reason: s.reason ?? null,
      history: [...current.history, historyEntry(s.state, s.at, s.reason, s.errorCode)],
      // Held for a paused store: no time, no intent (the deferral loop sends it again).
      deferredUntil: deferred ? null : current.deferredUntil,
      sendingSince: deferred ? null : current.sendingSince,
    },
  };
}

// ── Status webhooks (WhatsAppWebhooks) ─────────────────────────────────────────────────────

export type WebhookStatus = 'sent' | 'delivered' | 'read' | 'failed';

/**
 * The moves a status webhook may make from each state: always forward, so a late `delivered`
 * after `read` changes nothing but the history. A `failed` fails a sent message, not a
 * delivered one. States missing here never went out: a status is not theirs to take.
 */
const WEBHOOK_MOVES: Partial<Record<MessageState, readonly WebhookStatus[]>> = {
  sending: ['sent', 'failed', 'delivered', 'read'],
  unknown: ['sent', 'failed', 'delivered', 'read'],
  paced: ['sent', 'failed', 'delivered', 'read'],
  sent: ['failed', 'delivered', 'read'],
  failed: ['delivered', 'read'],
  delivered: ['read'],
  read: [],
};

/** 131050: the shopper stopped marketing messages from this business. */
export const STOPPED_MARKETING = 131050;

/** The outcome reason of a 131049 failed status (Meta's per-user marketing limit). */
export const LIMITED_BY_META_REASON = OUTCOME_REASON.limitedByMeta;

export interface MessageStatusView {
  state: MessageState;
  wamid: string | null;
  errorCode: number | null;
  history: HistoryEntry[];
}

export interface StatusUpdate {
  status: WebhookStatus;
  at: string;
  wamid: string;
  errorCode?: number;
}

/**
 * One status webhook applied to a message. Idempotent (a status already in the history
 * changes nothing) and order-free (the state is the furthest status seen, so `read` before
 * `delivered` ends at read, and the history keeps both with their own times). `isNew` says
 * whether this status is news, to be announced on message-outcomes.
 */
export function applyStatus(
  message: MessageStatusView,
  update: StatusUpdate,
): { isNew: boolean; next: MessageStatusView } {
  if (message.history.some((h) => h.status === update.status)) return { isNew: false, next: message };
  const moves = WEBHOOK_MOVES[message.state];
  if (moves === undefined) return { isNew: false, next: message };
  return {
    isNew: true,
    next: {
      state: moves.includes(update.status) ? update.status : message.state,
      wamid: message.wamid ?? update.wamid,
      errorCode: update.errorCode ?? message.errorCode,
      history: [...message.history, historyEntry(update.status, update.at, null, update.errorCode || null)],
    },
  };
}

/**
 * Whether this status released a paced message: Meta's first word that it went out (`sent`,
 * or a `delivered`/`read` that overtook it) on a message it held back for a paced template.
 */
export function releasedFromPacing(before: MessageState, after: MessageState): boolean {
  return before === 'paced' && (after === 'sent' || after === 'delivered' || after === 'read');
}

/**
 * What a status webhook sets off besides the row: its outcome, a slot given back, an opt-out.
 * `releasedWhileClosed`: it released a paced message while the store was closed (the caller
 * asks the store's hours), announced with a reason of its own so the stats count it apart.
 * `pricing`: Meta's pricing the webhook carried, announced with it (the stats count the
 * billable messages).
 */
export function statusEnd(
  message: { sendId: string; storeId: string; cartId: string },
  update: StatusUpdate,
  next: MessageStatusView,
  { releasedWhileClosed = false, pricing }: { releasedWhileClosed?: boolean; pricing?: OutcomePricing } = {},
): { outcome: MessageOutcome; releasesSlot: boolean; optsOut: boolean; limitedByMeta: boolean } {
  const limitedByMeta = update.status === 'failed' && update.errorCode === LIMITED_BY_META;
  return {
    outcome: messageOutcome({
      ...message,
      status: update.status,
      // 131049 has a reason of its own: the stats count it apart as "limited by Meta".
      reason: limitedByMeta
        ? LIMITED_BY_META_REASON
        : releasedWhileClosed
          ? OUTCOME_REASON.releasedAfterClosing
          : update.errorCode
            ? String(update.errorCode)
            : null,
      wamid: update.wamid,
      pricing,
      at: new Date(update.at),
    }),
    // Failed later (131049, 131026…) before any delivered: the shopper was not reached.
    releasesSlot: update.status === 'failed' && next.state === 'failed',
    optsOut: update.status === 'failed' && update.errorCode === STOPPED_MARKETING,
    // Meta's per-user marketing limit: that shopper is held 24 h (contacts/marketing-limit.ts).
    limitedByMeta: limitedByMeta && next.state === 'failed',
  };
}

// ── Crash recovery (the deferral loop) ─────────────────────────────────────────────────────

/**
 * A called intent left in `sending` past SENDER_UNKNOWN_AFTER_MS (the process died between
 * the call and the answer, no webhook came): unknown, never called again, announces nothing.
 * A late webhook or answer still settles it.
 */
export function staleUnknown(at: Date): { state: 'unknown'; reason: string; entry: HistoryEntry } {
  const reason = 'no-answer-after-crash';
  return { state: 'unknown', reason, entry: historyEntry('unknown', at, reason) };
}

// A take-over (an uncalled intent of a stopped process) changes the owner only: the message
// stays `sending`, writes no entry and announces nothing until its own delivery ends.

// ── Never twice ────────────────────────────────────────────────────────────────────────────

/**
 * The promise: no shopper gets two messages for one abandonment (one sendId, at most one API
 * call Meta may have accepted), whatever crashes, rebalances or redeliveries happen. Each
 * guard, where it is held, and what it prevents. The database ones must be atomic, so they
 * stay in SQL; docs/sender.md's crash table points at them by these names.
 */
export const NEVER_TWICE = {
  /** One id per abandonment, the same however often the scheduler emits it: duplicates meet on it. */
  sendIdOf: 'apps/scheduler/src/timers/due-cart.ts sendIdOf',
  /**
   * The scheduler closes an episode only after Kafka acknowledged its send-due, in the claim
   * transaction: a crash emits it again with the same sendId (dropped here), never a new one.
   */
  emittedOnce: 'apps/scheduler/src/timers/send-due.emitter.ts SendDueEmitter',
  /**
   * One row per sendId (`INSERT … ON CONFLICT (send_id) DO NOTHING`): a redelivered or
   * rebalanced send-due is not decided twice; only the writer of the row may send it.
   */
  oneRowPerSendId: 'MessageRepository.insert',
  /**
   * The fence (`owner` + `called_at`): right before the first call the owner sets `called_at`
   * where it still owns the row. No row back: another process took it over, no call from here.
   */
  fence: 'MessageRepository.markCalled',
  /**
   * Take-over: only an intent never called (`called_at IS NULL`) changes owner, so a message
   * is called by at most one process, and an intent of a dead one still goes out once.
   */
  takeOverUncalled: 'MessageRepository.takeOverUncalled',
  /**
   * A called intent with no answer is never called again: it becomes unknown (staleUnknown),
   * a lost reminder rather than a double one.
   */
  markStaleUnknown: 'MessageRepository.markStaleUnknown',
  /**
   * No retry after an answer that may have been an acceptance until the webhooks were asked
   * (biz_opaque_callback_data carries the sendId); an ambiguous last attempt ends unknown. On
   * /marketing_messages (no callback data) the webhooks are tied to the send by its recipient
   * (lost-answer.ts, only when it is the one send awaiting an id there) and an ambiguous
   * attempt is never sent again, found or not.
   */
  settleAmbiguous:
    'whatsapp/delivery.ts deliver (settle, noResend), MessageRepository.settledByWebhook, MessageRepository.forStatuses (matchLostAnswers)',
  /** A settlement never moves a row a webhook moved on (SETTLEABLE): announced once. */
  settleable: 'message-lifecycle.ts settle, SETTLEABLE',
} as const;

export type NeverTwiceGuard = keyof typeof NEVER_TWICE;
