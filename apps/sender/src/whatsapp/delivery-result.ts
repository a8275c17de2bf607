/** How one call to the Cloud API ended, in the terms the sender acts on. */
export type DeliveryResult = Accepted | TransientFailure | PermanentFailure | TokenRejected;

/**
 * Meta took the message. `paced`: its answer's `message_status` said the template is paced, so
 * Meta holds the message for a quality assessment (`held_for_quality_assessment`) or has paused
 * its delivery (`paused`); Meta releases it later (a `sent` webhook) or drops it (`failed`).
 */
export interface Accepted {
  kind: 'accepted';
  whatsappMessageId: string;
  paced?: PacedStatus;
}

/** The `message_status` values of a send answer that mean "taken, not delivered yet". */
export const PACED_STATUSES = ['held_for_quality_assessment', 'paused'] as const;
export type PacedStatus = (typeof PACED_STATUSES)[number];

/** Worth another try later (rate limits, Meta's server trouble, timeouts, network). */
export interface TransientFailure {
  kind: 'transient';
  code?: number;
  reason: string;
  /** Do not try again before this long (Retry-After, or the limit's own pace). */
  retryAfterMs?: number;
  /**
   * Refused by a per-number sending limit (throughput 130429, pair rate 131056): certainly
   * not sent, and the limit says when to come back. Such refusals do not use up the
   * message's attempts, so a busy number cannot make a message fail (see `deliver`).
   */
  paced?: boolean;
  /**
   * The request may have reached Meta and been accepted (timeout or connection lost after it
   * was written). Sending again could deliver twice: settle it from the status webhooks
   * (`biz_opaque_callback_data`) first.
   */
  ambiguous?: boolean;
}

/** This message will never go out as it is: record it failed, do not retry. */
export interface PermanentFailure {
  kind: 'permanent';
  code?: number;
  reason: string;
  /** 131050: the shopper stopped marketing messages from this business: record an opt-out. */
  optedOut?: boolean;
}

/**
 * The store cannot send at all: token expired or revoked, missing permission, account locked
 * or blocked, number not registered. Pause the store and alert; its other messages would fail too.
 */
export interface TokenRejected {
  kind: 'token-rejected';
  code: number;
  reason: string;
}

export type GraphFailure = TransientFailure | PermanentFailure | TokenRejected;
