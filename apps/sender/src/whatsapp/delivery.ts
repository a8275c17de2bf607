import type { DeliveryResult } from './delivery-result';
import type { InFlightSlots } from './in-flight-slots';
import { endpointFor } from './messages';
import type { RetryPolicy } from './retry-policy';
import type { ThroughputLimiter } from './throughput-limiter';
import type { SendRequest, WhatsAppClient } from './whatsapp-client';

/** A send, with the phone number's throughput limit when the store's settings give one. */
export type DeliveryRequest = SendRequest & { throughputPerSecond?: number };

export interface DeliveryParts {
  client: Pick<WhatsAppClient, 'send'>;
  limiter: Pick<ThroughputLimiter, 'acquire' | 'renew' | 'refundRecipient'>;
  retryPolicy: RetryPolicy;
  /**
   * Finds the WhatsApp message id of this send from the status webhooks already received
   * (matched on `biz_opaque_callback_data`). Without it an ambiguous failure (timeout, reset
   * after the request left) is handed back at once instead of being sent again: sending
   * again blind could deliver twice. On `/marketing_messages` (no callback data there: the
   * webhooks are matched by recipient) it is asked once, and a send it does not find is handed
   * back, never sent again.
   */
  settle?: (bizOpaqueCallbackData: string) => Promise<string | undefined>;
  /** Least wait before settling an ambiguous attempt, so its `sent` webhook has time to arrive. */
  settleAfterMs?: number;
  /**
   * Calls in flight per process, shared by every delivery. Taken after the throughput grant
   * (so a paced number never holds one while waiting) and before `beforeAttempt`.
   */
  slots?: InFlightSlots;
  /**
   * A throughput grant older than this when the request is about to leave (`beforeAttempt`
   * or the slot took long) is renewed: Meta counts requests when they arrive, and late ones
   * meet the next ones inside its window. Keep it under the limiter's safety margin (50 ms).
   * Default 40 ms. Each renewal costs the number one pace slot, so `beforeAttempt` should
   * normally take less.
   */
  maxGrantAgeMs?: number;
  /** Called once per attempt with the grant and the slot held, just before the request; e.g. to record the call. */
  beforeAttempt?: (attempt: number) => Promise<void> | void;
  /** Called when a grant aged and was renewed (a metric: many mean `beforeAttempt` is slow). */
  onGrantRenewed?: (ageMs: number) => void;
  /** Called after every attempt with its result (metrics, logs). */
  afterAttempt?: (attempt: number, result: DeliveryResult) => void;
  sleep?: (ms: number) => Promise<void>;
  /** The limiter's clock (monotonic ms), for the grant's age. Default `performance.now()`, as the limiter's. */
  now?: () => number;
}

export interface DeliveryOutcome {
  /** The final result: accepted, permanent, token-rejected, or the last transient one when attempts ran out. */
  result: DeliveryResult;
  /** Requests made to the API. */
  attempts: number;
  /** The send was found accepted from its status webhooks after an ambiguous attempt. */
  settledFromWebhook?: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const DEFAULT_MAX_GRANT_AGE_MS = 40;

/**
 * Delivers one message: waits for the throughput and pair limits before every request,
 * retries transient failures by the retry policy, and before retrying an attempt that may
 * have been accepted asks `settle` whether Meta's webhooks say it was.
 */
export async function deliver(parts: DeliveryParts, request: DeliveryRequest): Promise<DeliveryOutcome> {
  const sleep = parts.sleep ?? defaultSleep;
  // Refusals by a sending limit are told apart to the retry policy: they are no failure of
  // this message (seen under faults: six 130429 in a row used up a message's attempts, and
  // its last, ambiguous one left it unknown).
  let paced = 0;
  // `/marketing_messages` takes no biz_opaque_callback_data: only its recipient can tie a
  // webhook to this send (a lost answer's id is unknown), a weaker link than a sendId, so an
  // ambiguous attempt there is settled when a webhook was matched, and never tried again.
  const noResend = endpointFor(request.body) === 'marketing_messages';
  const settle = parts.settle;
  for (let attempt = 1; ; attempt++) {
    const result = await attemptOnce(parts, request, attempt);
    parts.afterAttempt?.(attempt, result);
    if (result.kind !== 'accepted' && !(result.kind === 'transient' && result.ambiguous)) {
      // Not accepted for sure: a retry should not wait out a pair interval for nothing.
      // A pair-rate refusal keeps its pace.
      if (result.code !== 131056) parts.limiter.refundRecipient(request.phoneNumberId, request.to);
    }
    if (result.kind !== 'transient') return { result, attempts: attempt };
    if (result.ambiguous && !settle) return { result, attempts: attempt };

    if (result.paced) paced++;
    const decision = parts.retryPolicy.next(attempt - paced, result.retryAfterMs, paced);
    if (result.ambiguous && settle) {
      await sleep(Math.max(parts.settleAfterMs ?? 0, decision.retry && !noResend ? decision.delayMs : 0));
      const whatsappMessageId = await settle(request.bizOpaqueCallbackData);
      if (whatsappMessageId) {
        return { result: { kind: 'accepted', whatsappMessageId }, attempts: attempt, settledFromWebhook: true };
      }
      if (!decision.retry || noResend) return { result, attempts: attempt };
      continue;
    }
    if (!decision.retry) return { result, attempts: attempt };
    await sleep(decision.delayMs);
  }
}

/**
 * One request: throughput grant, a slot, `beforeAttempt`, a renewed grant if that one aged,
 * the call. `beforeAttempt` comes once the slot is held, right before the request: when it
 * records "called", a crash can only fall in the milliseconds between that record and the
 * request, never in a wait for a slot (a message recorded as called and never sent is lost).
 */
async function attemptOnce(parts: DeliveryParts, request: DeliveryRequest, attempt: number): Promise<DeliveryResult> {
  const now = parts.now ?? (() => performance.now());
  const maxAge = parts.maxGrantAgeMs ?? DEFAULT_MAX_GRANT_AGE_MS;
  // Aged from the grant's own time: the event loop may have been busy before this resumed.
  let grant = await parts.limiter.acquire(request.phoneNumberId, request.to, request.throughputPerSecond);
  await parts.slots?.take();
  try {
    await parts.beforeAttempt?.(attempt);
    for (let age = now() - grant.at; age > maxAge; age = now() - grant.at) {
      parts.onGrantRenewed?.(age);
      grant = await parts.limiter.renew(grant);
    }
    return await parts.client.send(request);
  } finally {
    parts.slots?.give();
  }
}
