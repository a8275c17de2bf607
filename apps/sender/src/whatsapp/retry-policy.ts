/**
 * When to try a transient failure again: exponential backoff with full jitter (a random delay
 * between 0 and the capped exponential), so senders that failed together do not come back
 * together; never sooner than the answer's own `retryAfterMs`. Pure: randomness is injected.
 */
export interface RetryPolicyOptions {
  /** Attempts in total, the first one included. */
  maxAttempts?: number;
  /** Ceiling of the jitter range after the first failure; doubles after each one. */
  baseDelayMs?: number;
  /** Cap of the exponential ceiling. */
  maxDelayMs?: number;
  random?: () => number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: 'attempts-exhausted' };

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 6;
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

  /** After `failedAttempts` attempts that all failed transiently, the last one saying `retryAfterMs`. */
  next(failedAttempts: number, retryAfterMs?: number): RetryDecision {
    if (failedAttempts >= this.maxAttempts) return { retry: false, reason: 'attempts-exhausted' };
    const jittered = Math.floor(this.random() * this.ceilingMs(failedAttempts));
    return { retry: true, delayMs: Math.max(jittered, retryAfterMs ?? 0) };
  }
}
