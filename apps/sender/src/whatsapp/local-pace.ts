const LATE_TIMER_TOLERANCE_MS = 2;

/**
 * A phone number's even pace kept by this process alone: one grant every `window / limit`.
 * Meta counts sends when they arrive, and a burst let out at once reaches it spread by
 * connection queueing, bunched against the next burst (measured: 114 in one second with a
 * 50 ms latency and bursts). With several sender instances the pace is shared instead
 * (`shared-pace-slots.ts`).
 */
export class LocalPace {
  private spacingMs: number;
  /** When the last grant was due (not when its timer fired), so late timers do not slow the pace. */
  private lastSlot = -Infinity;

  constructor(
    private readonly windowMs: number,
    limit: number,
  ) {
    this.spacingMs = windowMs / limit;
  }

  setLimit(limit: number): void {
    this.spacingMs = this.windowMs / limit;
  }

  /** When the next grant may go. */
  nextAt(): number {
    return this.lastSlot + this.spacingMs;
  }

  /** A grant goes `now`, being due at `readyAt`; answers its time. */
  take(now: number, readyAt: number): number {
    // A timer a little late keeps its slot (no drift); after an idle spell the pace starts from now.
    this.lastSlot = now - readyAt <= LATE_TIMER_TOLERANCE_MS ? readyAt : now;
    return now;
  }

  close(): void {}
}
