import { FifoQueue } from './fifo-queue';

/**
 * Meta's hard limit for a phone number: fewer than `limit` sends inside any window of
 * `windowMs`. A sliding window, not a refilling bucket: a bucket that bursts its capacity and
 * then refills at the rate puts twice the limit into one second, which Meta refuses (130429).
 */
export class SlidingWindow {
  /** Grant times still inside the window, ascending. */
  private readonly grants = new FifoQueue<number>();

  constructor(
    private readonly windowMs: number,
    /** May change while sending (Meta raises a number's limit): the next grants follow it. */
    public limit: number,
  ) {}

  /**
   * -Infinity when the window has room for one more grant now; else when it will (full, even
   * should float rounding put that time at or before `now`: then it has room a moment later).
   */
  readyAt(now: number): number {
    // A send leaves the window when `at <= now - window`, the way Meta's window (and the
    // simulator's) expires one, so float rounding cannot let one more in.
    for (let oldest = this.grants.peek(); oldest !== undefined && oldest <= now - this.windowMs;) {
      this.grants.shift();
      oldest = this.grants.peek();
    }
    const inWindow = this.grants.size;
    return inWindow < this.limit ? -Infinity : this.grants.at(inWindow - this.limit) + this.windowMs;
  }

  record(at: number): void {
    this.grants.push(at);
  }

  /** Takes a grant back out (it never reached Meta); nothing when it already left the window. */
  forget(at: number): void {
    this.grants.removeLast(at);
  }
}
