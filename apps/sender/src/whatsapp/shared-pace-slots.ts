import type { LimiterClock } from './limiter-clock';
import { localSlots, paceSpacingMicros, reservationSize, reserveRetryMs, type PaceStore } from './shared-pace';

/**
 * A slot handed out later than this (a busy event loop) is dropped, lost capacity: the
 * grant's time is its slot's, and `deliver` renews a grant older than 40 ms anyway.
 */
const LATE_SLOT_TOLERANCE_MS = 20;

export interface SharedPaceSlotsOptions {
  phoneNumberId: string;
  store: PaceStore;
  clock: LimiterClock;
  /** Window plus margin: the pace is one slot every `windowMs / limit`. */
  windowMs: number;
  limit: number;
  /** Slots came in, or a failed reservation may be tried again: the waiters can be served. */
  onReady: () => void;
  /** A reservation failed (database down): tried again, 100 ms doubling to 2 s. */
  onError: (error: unknown) => void;
}

/**
 * A phone number's even pace shared by every sender instance: each grant is one slot
 * reserved in the store (`shared-pace.ts` holds the arithmetic), given at the slot's time, so
 * `deliver` ages the grant from the slot, not from a late timer. Slots are reserved when the
 * number's waiters need them, one reservation at a time.
 */
export class SharedPaceSlots {
  /** Local times of the slots reserved and not handed out yet, ascending. */
  private readonly slots: number[] = [];
  private spacingMicros: number;
  private limit: number;
  private reserving = false;
  private failures = 0;
  private cancelRetry?: () => void;
  private closed = false;

  constructor(private readonly options: SharedPaceSlotsOptions) {
    this.limit = options.limit;
    this.spacingMicros = paceSpacingMicros(options.windowMs, options.limit);
  }

  setLimit(limit: number): void {
    this.limit = limit;
    this.spacingMicros = paceSpacingMicros(this.options.windowMs, limit);
  }

  /**
   * When the next grant may go: its slot's time, or undefined while no slot is held (one is
   * being reserved for the `waiting` sends, and `onReady` follows). Drops slots too late to use.
   */
  nextAt(now: number, waiting: number): number | undefined {
    while (this.slots.length > 0 && this.slots[0] < now - LATE_SLOT_TOLERANCE_MS) this.slots.shift();
    this.reserve(waiting);
    return this.slots[0];
  }

  /** A grant goes: answers its time, its slot's, even when handed out a little late. */
  take(): number {
    return this.slots.shift()!;
  }

  /** Reserves no more; slots held are lost (capacity, the safe direction). */
  close(): void {
    this.closed = true;
    this.cancelRetry?.();
  }

  private reserve(waiting: number): void {
    if (this.reserving || this.cancelRetry || this.closed) return;
    const count = reservationSize(waiting, this.slots.length, this.limit);
    if (count === 0) return;
    this.reserving = true;
    const { store, clock, phoneNumberId } = this.options;
    const sentAt = clock.now();
    store.reserve(phoneNumberId, count, this.spacingMicros).then(
      ({ firstInMs }) => {
        this.reserving = false;
        this.failures = 0;
        if (this.closed) return;
        const slots = localSlots(firstInMs, sentAt, clock.now(), count, this.spacingMicros);
        const ascending = this.slots.length === 0 || slots[0] >= this.slots[this.slots.length - 1];
        this.slots.push(...slots);
        if (!ascending) this.slots.sort((a, b) => a - b);
        this.options.onReady();
      },
      (error: unknown) => {
        this.reserving = false;
        if (this.closed) return;
        this.options.onError(error);
        this.cancelRetry = clock.setTimeout(() => {
          this.cancelRetry = undefined;
          this.options.onReady();
        }, reserveRetryMs(++this.failures));
      },
    );
  }
}
