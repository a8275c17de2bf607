/**
 * When to try a transient failure again: exponential backoff with full jitter (a random delay
 * between 0 and the capped exponential), so senders that failed together do not come back
 * together; never sooner than the answer's own `retryAfterMs`. Pure: randomness is injected.
 */
export interface RetryPolicyOptions {
  /** Attempts in total, the first one included; refusals by a sending limit not counted. */
  maxAttempts?: number;
  /** Ceiling of the jitter range after the first failure; doubles after each one. */
  baseDelayMs?: number;
  /** Cap of the exponential ceiling. */
  maxDelayMs?: number;
  random?: () => number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: 'attempts-exhausted' };

/**
 * Refusals by a per-number sending limit (130429, 131056) sent nothing and are no failure of
 * the message, so they do not use up its attempts; its requests stay bounded all the same,
 * at most this many times `maxAttempts`.
 */
export const PACED_ATTEMPTS_FACTOR = 4;

export class RetryPolicy {
  readonly maxAttempts: number;
  /** Requests of one message in all, paced refusals included. */
  readonly maxRequests: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.maxRequests = this.maxAttempts * PACED_ATTEMPTS_FACTOR;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.random = options.random ?? Math.random;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1)
      throw new Error('maxAttempts must be an integer ≥ 1');
    if (!(this.baseDelayMs >= 0) || !(this.maxDelayMs >= this.baseDelayMs)) {
      throw new Error('delays must satisfy 0 ≤ baseDelayMs ≤ maxDelayMs');
    }
  }

  /** The ceiling of the jittered delay after `failedAttempts` failures (1 = after the first). */
  ceilingMs(failedAttempts: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  }

  /**
   * After `failedAttempts` attempts that failed transiently and `pacedRefusals` refused by a
   * sending limit, the last one saying `retryAfterMs`.
   */
  next(failedAttempts: number, retryAfterMs?: number, pacedRefusals = 0): RetryDecision {
    if (failedAttempts >= this.maxAttempts || failedAttempts + pacedRefusals >= this.maxRequests)
      return { retry: false, reason: 'attempts-exhausted' };
    const jittered = Math.floor(this.random() * this.ceilingMs(failedAttempts));
    return { retry: true, delayMs: Math.max(jittered, retryAfterMs ?? 0) };
  }
}
