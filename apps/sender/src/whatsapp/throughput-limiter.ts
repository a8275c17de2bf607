import { FifoQueue } from './fifo-queue';
import { realClock, type LimiterClock } from './limiter-clock';
import { LocalPace } from './local-pace';
import { PairRate, type PairRateOptions } from './pair-rate';
import type { PaceStore } from './shared-pace';
import { SharedPaceSlots } from './shared-pace-slots';
import { SlidingWindow } from './sliding-window';

export type { LimiterClock } from './limiter-clock';
export type { PairRateOptions } from './pair-rate';

export interface ThroughputLimiterOptions {
  /** Sends per phone number id per window; Meta's default is 80/s. */
  perSecond?: number;
  /** Numbers Meta upgraded (up to 1,000/s): phone number id → sends per window. */
  perSecondByPhoneNumber?: Record<string, number>;
  windowMs?: number;
  /**
   * Added to the window: room for requests that reach Meta later than they left (event loop
   * lag, connection queueing, network jitter) and would otherwise meet inside Meta's window.
   * Default 50 ms, which costs 5% of the rate (80/s becomes 76.2/s).
   */
  safetyMarginMs?: number;
  /** `false` turns pair pacing off (load tests that reuse recipients). */
  pairRate?: PairRateOptions | false;
  clock?: LimiterClock;
  /**
   * Slots of the even pace reserved in a store shared by every instance (the sender's
   * `number_pace` table), so the pace holds across processes. Without it the pace is local.
   */
  sharedPace?: PaceStore;
  /** A reservation failed (database down): it is tried again, 100 ms doubling to 2 s; the sends wait. */
  onPaceError?: (error: unknown) => void;
}

export const DEFAULT_THROUGHPUT_PER_SECOND = 80;
export const DEFAULT_PAIR_RATE: PairRateOptions = { intervalMs: 6_000, burst: 1 };
export const DEFAULT_SAFETY_MARGIN_MS = 50;

/** Leave to send one message now; its time is in the number's window until renewed or expired. */
export interface ThroughputGrant {
  readonly phoneNumberId: string;
  readonly recipient: string;
  /** The limiter clock's time of the grant. */
  readonly at: number;
}

interface Waiter {
  resolve: (at: number) => void;
  reject: (error: Error) => void;
}

/** A number's pace: this process's own (`LocalPace`) or shared through the store (`SharedPaceSlots`). */
interface NumberPace {
  /** When the next grant may go; undefined while there is no slot yet (the pace calls back). */
  nextAt(now: number, waiting: number): number | undefined;
  /** The grant goes `now`, due at `readyAt`: answers the grant's time. */
  take(now: number, readyAt: number): number;
  setLimit(limit: number): void;
  close(): void;
}

/** One phone number: its limit, its sends still inside the window, its pace and its queue. */
interface PhoneNumberLane {
  phoneNumberId: string;
  limit: number;
  window: SlidingWindow;
  pace: NumberPace;
  waiters: FifoQueue<Waiter>;
  cancelTimer?: () => void;
}

const CLOSED = 'throughput limiter closed';

/**
 * The Cloud API's two sending limits, kept on our side so we do not earn 130429/131056:
 *
 * - throughput per business phone number id: at most `perSecond` sends in ANY window of
 *   `windowMs` (`sliding-window.ts`), spread evenly, one every `window / perSecond`: the pace,
 *   this process's own (`local-pace.ts`) or, with `sharedPace`, shared by every process
 *   through the database (`shared-pace-slots.ts`): each send takes a slot reserved there, so
 *   any number of instances together keep one number to its pace, the sliding window staying
 *   as this process's own second guard;
 * - pair rate per (phone number id, recipient): about one message per 6 s (`pair-rate.ts`).
 *
 * This class queues the sends: one instance per process, shared by every partition's
 * consumer, so the limit holds for the whole process. Waiters of one phone number are served
 * first come, first served, woken by one timer per phone number (no polling). A grant that
 * could not be used at once is renewed (`renew`): it leaves the window, since it never
 * reached Meta, and its holder goes first.
 */
export class ThroughputLimiter {
  private readonly lanes = new Map<string, PhoneNumberLane>();
  private readonly pairs: PairRate | undefined;
  private readonly pairTimers = new Map<() => void, () => void>();
  private readonly perSecond: number;
  private readonly overrides: Record<string, number>;
  private readonly windowMs: number;
  private readonly clock: LimiterClock;
  private readonly sharedPace?: PaceStore;
  private readonly onPaceError: (error: unknown) => void;
  private closed = false;

  constructor(options: ThroughputLimiterOptions = {}) {
    this.perSecond = options.perSecond ?? DEFAULT_THROUGHPUT_PER_SECOND;
    this.overrides = { ...options.perSecondByPhoneNumber };
    this.windowMs = (options.windowMs ?? 1_000) + (options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS);
    this.clock = options.clock ?? realClock;
    this.sharedPace = options.sharedPace;
    this.onPaceError = options.onPaceError ?? (() => undefined);
    for (const limit of [this.perSecond, ...Object.values(this.overrides)]) {
      if (!Number.isInteger(limit) || limit < 1)
        throw new Error(`throughput limit must be an integer ≥ 1, got ${limit}`);
    }
    const pairRate = options.pairRate ?? DEFAULT_PAIR_RATE;
    this.pairs = pairRate ? new PairRate(pairRate) : undefined;
  }

  /**
   * Resolves when one send from `phoneNumberId` to `recipient` may leave now. Each call is one
   * send (retries included): call it right before every request.
   */
  async acquire(phoneNumberId: string, recipient: string, perSecond?: number): Promise<ThroughputGrant> {
    if (this.closed) throw new Error(CLOSED);
    const pairWaitMs = this.pairs?.take(phoneNumberId, recipient, this.clock.now()) ?? 0;
    // The pair wait happens before joining the number's queue, so one paced recipient never
    // holds back the other shoppers of the same number.
    if (pairWaitMs > 0) await this.sleep(pairWaitMs);
    const at = await this.enqueue(phoneNumberId, 'back', perSecond);
    return { phoneNumberId, recipient, at };
  }

  /**
   * A grant that aged before its request could leave (a slow database, no free connection):
   * takes it out of the window, since it never reached Meta, and waits for a fresh one at the
   * head of the number's queue. The recipient keeps its pair token.
   */
  async renew(grant: ThroughputGrant): Promise<ThroughputGrant> {
    if (this.closed) throw new Error(CLOSED);
    this.lane(grant.phoneNumberId).window.forget(grant.at);
    const at = await this.enqueue(grant.phoneNumberId, 'front');
    return { ...grant, at };
  }

  /**
   * Gives back the pair token of an attempt Meta did not accept (refused before delivery),
   * so a retry does not wait a full pair interval for a message that never went out.
   * Throughput is not given back: Meta counts refused sends in its window too.
   */
  refundRecipient(phoneNumberId: string, recipient: string): void {
    this.pairs?.refund(phoneNumberId, recipient);
  }

  /** Sends waiting for a phone number's throughput (pair waits excluded). */
  waiting(phoneNumberId: string): number {
    return this.lanes.get(phoneNumberId)?.waiters.size ?? 0;
  }

  /** Rejects every waiter and stops the timers (shutdown). */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes.values()) {
      lane.cancelTimer?.();
      lane.pace.close();
      for (const waiter of lane.waiters.takeAll()) waiter.reject(new Error(CLOSED));
    }
    // Pair sleepers wake now and find the limiter closed.
    for (const [cancel, wake] of this.pairTimers) {
      cancel();
      wake();
    }
    this.pairTimers.clear();
  }

  private enqueue(phoneNumberId: string, where: 'front' | 'back', perSecond?: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (this.closed) return reject(new Error(CLOSED));
      const lane = this.lane(phoneNumberId, perSecond);
      const waiter = { resolve, reject };
      if (where === 'back') lane.waiters.push(waiter);
      else lane.waiters.unshift(waiter);
      this.drain(lane);
    });
  }

  /**
   * The number's lane, at its limit: the one the store's settings give (`perSecond`), else the
   * process's override for the number, else the default. A lane whose limit changed takes the
   * new one for its next slots (Meta raises a number's throughput while it sends).
   */
  private lane(phoneNumberId: string, perSecond?: number): PhoneNumberLane {
    if (perSecond !== undefined && !(Number.isInteger(perSecond) && perSecond >= 1))
      throw new Error(`throughput limit must be an integer ≥ 1, got ${perSecond}`);
    const limit = perSecond ?? this.overrides[phoneNumberId] ?? this.perSecond;
    let lane = this.lanes.get(phoneNumberId);
    if (lane && lane.limit !== limit && perSecond !== undefined) {
      lane.limit = limit;
      lane.window.limit = limit;
      lane.pace.setLimit(limit);
    }
    if (!lane) {
      lane = {
        phoneNumberId,
        limit,
        window: new SlidingWindow(this.windowMs, limit),
        pace: this.paceOf(phoneNumberId, limit, () => this.drainUnlessTimerSet(lane!)),
        waiters: new FifoQueue<Waiter>(),
      };
      this.lanes.set(phoneNumberId, lane);
    }
    return lane;
  }

  private paceOf(phoneNumberId: string, limit: number, onReady: () => void): NumberPace {
    if (!this.sharedPace) return new LocalPace(this.windowMs, limit);
    return new SharedPaceSlots({
      phoneNumberId,
      store: this.sharedPace,
      clock: this.clock,
      windowMs: this.windowMs,
      limit,
      onReady,
      onError: this.onPaceError,
    });
  }

  /** Serves the number's waiters as the window and the pace let them go; arms the lane's timer for the rest. */
  private drain(lane: PhoneNumberLane): void {
    while (lane.waiters.size > 0) {
      const now = this.clock.now();
      const paceAt = lane.pace.nextAt(now, lane.waiters.size);
      if (paceAt === undefined) return; // the reservation (or its retry) drains again
      const windowAt = lane.window.readyAt(now);
      const readyAt = Math.max(windowAt, paceAt);
      // A full window waits even when its time computes as past: `oldest + window <= now` and
      // `oldest <= now - window` round differently, and only the second is how Meta expires a send.
      if (windowAt !== -Infinity || paceAt > now) {
        if (!lane.cancelTimer) {
          // Timers may fire a fraction early against a fractional clock: drain checks again.
          lane.cancelTimer = this.clock.setTimeout(
            () => {
              lane.cancelTimer = undefined;
              this.drain(lane);
            },
            Math.max(1, Math.ceil(readyAt - now)),
          );
        }
        return;
      }
      const at = lane.pace.take(now, readyAt);
      lane.window.record(at);
      lane.waiters.shift()!.resolve(at);
    }
  }

  /** A pace's slots came in: drained now unless the lane's timer will. */
  private drainUnlessTimerSet(lane: PhoneNumberLane): void {
    if (!lane.cancelTimer) this.drain(lane);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.clock.setTimeout(() => {
        this.pairTimers.delete(cancel);
        resolve();
      }, ms);
      this.pairTimers.set(cancel, resolve);
    });
  }
}
