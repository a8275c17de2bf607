/**
 * Meta's two sending limits, kept per business phone number. Both take `now` (ms) from the
 * caller so they stay pure and testable without timers.
 */

/**
 * Throughput: at most `perSecond` sends per phone number id in ANY 1,000 ms window (a sliding
 * window, not a token bucket: a client that bursts a full bucket and then refills at the rate
 * would put twice the limit into one second, and Meta answers that with 130429).
 */
export class ThroughputLimit {
  private readonly windows = new Map<string, number[]>();

  constructor(public perSecond: number) {}

  /** Counts the send when it is within the limit; a refused send does not count. */
  admit(phoneNumberId: string, now: number): boolean {
    let times = this.windows.get(phoneNumberId);
    if (!times) this.windows.set(phoneNumberId, (times = []));
    let expired = 0;
    while (expired < times.length && times[expired] <= now - 1000) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= this.perSecond) return false;
    times.push(now);
    return true;
  }

  reset(): void {
    this.windows.clear();
  }
}

export interface PairRateSettings {
  /** One message per this many ms to the same recipient (Meta: about 6 s). */
  intervalMs: number;
  /** Messages that may go out at once before the pace applies (Meta allows bursts that borrow from later quota). */
  burst: number;
}

/**
 * Pair rate: one business number → one WhatsApp user. A token bucket per pair: `burst` tokens,
 * one back every `intervalMs`; an empty bucket answers 131056. Only accepted messages take a
 * token.
 */
export class PairRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(public settings: PairRateSettings | false) {}

  /** Would a message to `waId` be within the pair rate now? */
  allows(phoneNumberId: string, waId: string, now: number): boolean {
    if (!this.settings) return true;
    return this.refilled(`${phoneNumberId}:${waId}`, now, this.settings).tokens >= 1;
  }

  take(phoneNumberId: string, waId: string, now: number): void {
    if (!this.settings) return;
    const key = `${phoneNumberId}:${waId}`;
    const bucket = this.refilled(key, now, this.settings);
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
  }

  reset(): void {
    this.buckets.clear();
  }

  private refilled(key: string, now: number, settings: PairRateSettings): { tokens: number; at: number } {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: settings.burst, at: now };
    const tokens = Math.min(settings.burst, bucket.tokens + (now - bucket.at) / settings.intervalMs);
    return { tokens, at: now };
  }
}
