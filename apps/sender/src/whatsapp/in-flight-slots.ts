/**
 * At most `size` Graph API calls in flight per process, handed out first come, first served.
 * Sized like the client's connection pool, so a request that got a slot leaves at once
 * instead of queueing inside the pool (a queued request reaches Meta later than its
 * throughput grant, bunched with later ones).
 */
export class InFlightSlots {
  private used = 0;
  private readonly waiters: Array<() => void> = [];
  private head = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`in-flight slots must be an integer ≥ 1, got ${size}`);
  }

  /** Resolves when this caller holds a slot; `give()` it back when the call ended. */
  take(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  give(): void {
    if (this.head < this.waiters.length) {
      // The slot passes straight to the next waiter: `used` stays the same.
      const next = this.waiters[this.head];
      this.waiters[this.head++] = undefined as unknown as () => void;
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters.splice(0, this.head);
        this.head = 0;
      }
      next();
      return;
    }
    if (this.used === 0) throw new Error('in-flight slot given back twice');
    this.used--;
  }

  inUse(): number {
    return this.used;
  }

  waiting(): number {
    return this.waiters.length - this.head;
  }
}
