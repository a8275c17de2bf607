/**
 * Meta's pair rate per (phone number id, recipient): about one message per 6 s. A token
 * bucket per pair with `burst` tokens; a take may borrow a future token, and answers how long
 * until it is due. Pairs whose bucket is full again are forgotten: they are as new.
 */
export interface PairRateOptions {
  /** One message per this long to the same recipient from the same number. */
  intervalMs: number;
  /** Messages that may go at once before the pace applies. */
  burst: number;
}

interface PairBucket {
  /** May go below zero: reservations of waiters already promised a later slot. */
  tokens: number;
  at: number;
}

const SWEEP_EVERY = 4096;

export class PairRate {
  private readonly buckets = new Map<string, PairBucket>();
  private takesSinceSweep = 0;

  constructor(private readonly options: PairRateOptions) {
    if (!(options.intervalMs > 0 && options.burst >= 1))
      throw new Error('pair rate needs intervalMs > 0 and burst ≥ 1');
  }

  /** Pairs remembered (their bucket not yet full again). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes the pair's next token (possibly a future one); answers how long until it is due. */
  take(phoneNumberId: string, recipient: string, now: number): number {
    const { intervalMs, burst } = this.options;
    if (++this.takesSinceSweep >= SWEEP_EVERY) this.sweep(now);
    const key = pairKey(phoneNumberId, recipient);
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / intervalMs);
    bucket.at = now;
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return bucket.tokens >= 0 ? 0 : Math.ceil(-bucket.tokens * intervalMs);
  }

  /** Gives one token back (never above the burst). */
  refund(phoneNumberId: string, recipient: string): void {
    const bucket = this.buckets.get(pairKey(phoneNumberId, recipient));
    if (bucket) bucket.tokens = Math.min(this.options.burst, bucket.tokens + 1);
  }

  private sweep(now: number): void {
    this.takesSinceSweep = 0;
    const { intervalMs, burst } = this.options;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) / intervalMs >= burst) this.buckets.delete(key);
    }
  }
}

/** The recipient by its digits: `+34 600…` and `34600…` are one pair. */
function pairKey(phoneNumberId: string, recipient: string): string {
  return `${phoneNumberId}\u0000${recipient.replace(/\D/g, '')}`;
}
