/**
 * The Cloud API's two sending limits, kept on our side so we do not earn 130429/131056:
 *
 * - throughput per business phone number id: at most `perSecond` sends in ANY window of
 *   `windowMs` (a sliding window, not a refilling bucket: a bucket that bursts its capacity
 *   and then refills at the rate puts twice the limit into one second, which Meta refuses).
 *   Sends are also spread evenly, one every `window / perSecond`: Meta counts them when they
 *   arrive, and a burst let out at once reaches it spread by connection queueing, bunched
 *   against the next burst (measured: 114 in one second with a 50 ms latency and bursts);
 * - pair rate per (phone number id, recipient): about one message per 6 s, a token bucket
 *   with `burst` tokens.
 *
 * One instance per process, shared by every partition's consumer, so the limit holds for the
 * whole process. With `sharedPace` the even pace is shared by every process through the
 * database (`shared-pace.ts`): each send takes a slot reserved there, so any number of
 * instances together keep one number to its pace; the sliding window stays as this process's
 * own second guard. Without it the pace is this process's alone. Waiters of one phone number are served first come, first served, woken by
 * one timer per phone number (no polling). A grant that could not be used at once is renewed
 * (`renew`): it leaves the window, since it never reached Meta, and its holder goes first.
 */
export interface LimiterClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Runs `run` after `ms`; returns a cancel function. */
  setTimeout(run: () => void, ms: number): () => void;
}

export interface PairRateOptions {
  /** One message per this long to the same recipient from the same number. */
  intervalMs: number;
  /** Messages that may go at once before the pace applies. */
  burst: number;
}

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

const realClock: LimiterClock = {
  now: () => performance.now(),
  setTimeout: (run, ms) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

import { localSlots, PaceStore, paceSpacingMicros, reservationSize, reserveRetryMs } from './shared-pace';

interface Waiter {
  resolve: (at: number) => void;
  reject: (error: Error) => void;
}

/** One phone number: its sends still inside the window, its pace and its queue. */
interface PhoneNumberLane {
  phoneNumberId: string;
  limit: number;
  /** Even spacing between two grants: window / limit. */
  spacingMs: number;
  /** When the last grant was due (not when its timer fired), so late timers do not slow the pace. */
  lastSlot: number;
  /** Grant times inside the window, ascending, from `windowHead` on. */
  window: number[];
  windowHead: number;
  queue: Waiter[];
  queueHead: number;
  cancelTimer?: () => void;
  /** Shared pace: the pace in µs as reserved in the store. */
  spacingMicros: number;
  /** Shared pace: local times of the slots reserved and not handed out yet, ascending. */
  slots: number[];
  reserving: boolean;
  reserveFailures: number;
  cancelRetry?: () => void;
}

interface PairBucket {
  /** May go below zero: reservations of waiters already promised a later slot. */
  tokens: number;
  at: number;
}

const PAIR_SWEEP_EVERY = 4096;
const LATE_TIMER_TOLERANCE_MS = 2;
/**
 * A shared slot handed out later than this (a busy event loop) is dropped, lost capacity:
 * the grant's time is its slot's, and `deliver` renews a grant older than 40 ms anyway.
 */
const LATE_SLOT_TOLERANCE_MS = 20;
const CLOSED = 'throughput limiter closed';

export class ThroughputLimiter {
  private readonly lanes = new Map<string, PhoneNumberLane>();
  private readonly pairs = new Map<string, PairBucket>();
  private readonly pairTimers = new Map<() => void, () => void>();
  private readonly perSecond: number;
  private readonly overrides: Record<string, number>;
  private readonly windowMs: number;
  private readonly pairRate: PairRateOptions | false;
  private readonly clock: LimiterClock;
  private readonly sharedPace?: PaceStore;
  private readonly onPaceError: (error: unknown) => void;
  private acquiresSinceSweep = 0;
  private closed = false;

  constructor(options: ThroughputLimiterOptions = {}) {
    this.perSecond = options.perSecond ?? DEFAULT_THROUGHPUT_PER_SECOND;
    this.overrides = { ...options.perSecondByPhoneNumber };
    this.windowMs = (options.windowMs ?? 1_000) + (options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS);
    this.pairRate = options.pairRate ?? DEFAULT_PAIR_RATE;
    this.clock = options.clock ?? realClock;
    this.sharedPace = options.sharedPace;
    this.onPaceError = options.onPaceError ?? (() => undefined);
    for (const limit of [this.perSecond, ...Object.values(this.overrides)]) {
      if (!Number.isInteger(limit) || limit < 1)
        throw new Error(`throughput limit must be an integer ≥ 1, got ${limit}`);
    }
    if (this.pairRate && !(this.pairRate.intervalMs > 0 && this.pairRate.burst >= 1)) {
      throw new Error('pair rate needs intervalMs > 0 and burst ≥ 1');
    }
  }

  /**
   * Resolves when one send from `phoneNumberId` to `recipient` may leave now. Each call is one
   * send (retries included): call it right before every request.
   */
  async acquire(phoneNumberId: string, recipient: string, perSecond?: number): Promise<ThroughputGrant> {
    if (this.closed) throw new Error(CLOSED);
    const pairWaitMs = this.reservePair(phoneNumberId, recipient);
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
    const lane = this.lane(grant.phoneNumberId);
    const index = lane.window.lastIndexOf(grant.at);
    if (index >= lane.windowHead) lane.window.splice(index, 1);
    const at = await this.enqueue(grant.phoneNumberId, 'front');
    return { ...grant, at };
  }

  /**
   * Gives back the pair token of an attempt Meta did not accept (refused before delivery),
   * so a retry does not wait a full pair interval for a message that never went out.
   * Throughput is not given back: Meta counts refused sends in its window too.
   */
  refundRecipient(phoneNumberId: string, recipient: string): void {
    if (!this.pairRate) return;
    const bucket = this.pairs.get(pairKey(phoneNumberId, recipient));
    if (bucket) bucket.tokens = Math.min(this.pairRate.burst, bucket.tokens + 1);
  }

  /** Sends waiting for a phone number's throughput (pair waits excluded). */
  waiting(phoneNumberId: string): number {
    const lane = this.lanes.get(phoneNumberId);
    return lane ? lane.queue.length - lane.queueHead : 0;
  }

  /** Rejects every waiter and stops the timers (shutdown). */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes.values()) {
      lane.cancelTimer?.();
      lane.cancelRetry?.();
      for (let i = lane.queueHead; i < lane.queue.length; i++) lane.queue[i].reject(new Error(CLOSED));
      lane.queue = [];
      lane.queueHead = 0;
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
      if (where === 'back') lane.queue.push(waiter);
      else if (lane.queueHead > 0) lane.queue[--lane.queueHead] = waiter;
      else lane.queue.unshift(waiter);
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
      lane.spacingMs = this.windowMs / limit;
      lane.spacingMicros = paceSpacingMicros(this.windowMs, limit);
    }
    if (!lane) {
      lane = {
        phoneNumberId,
        limit,
        spacingMs: this.windowMs / limit,
        lastSlot: -Infinity,
        window: [],
        windowHead: 0,
        queue: [],
        queueHead: 0,
        spacingMicros: paceSpacingMicros(this.windowMs, limit),
        slots: [],
        reserving: false,
        reserveFailures: 0,
      };
      this.lanes.set(phoneNumberId, lane);
    }
    return lane;
  }

  private drain(lane: PhoneNumberLane): void {
    if (this.sharedPace) return this.drainShared(lane, this.sharedPace);
    while (lane.queueHead < lane.queue.length) {
      const now = this.clock.now();
      // The hard limit: fewer than `limit` sends inside the window. A send leaves it when
      // `at <= now - window`, the way Meta's window (and the simulator's) expires one, so
      // float rounding cannot let one more in.
      while (lane.windowHead < lane.window.length && lane.window[lane.windowHead] <= now - this.windowMs) {
        lane.windowHead++;
      }
      if (lane.windowHead > 64 && lane.windowHead * 2 > lane.window.length) {
        lane.window = lane.window.slice(lane.windowHead);
        lane.windowHead = 0;
      }
      const inWindow = lane.window.length - lane.windowHead;
      const windowOpen = inWindow < lane.limit;
      // The even pace, from the previous slot.
      const paceAt = lane.lastSlot + lane.spacingMs;
      const windowReadyAt = windowOpen ? -Infinity : lane.window[lane.window.length - lane.limit] + this.windowMs;
      const readyAt = Math.max(windowReadyAt, paceAt);
      if (!windowOpen || paceAt > now) {
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
      // A timer a little late keeps its slot (no drift); after an idle spell the pace starts from now.
      lane.lastSlot = now - readyAt <= LATE_TIMER_TOLERANCE_MS ? readyAt : now;
      lane.window.push(now);
      const waiter = lane.queue[lane.queueHead];
      lane.queue[lane.queueHead++] = undefined as unknown as Waiter;
      if (lane.queueHead > 1024 && lane.queueHead * 2 > lane.queue.length) {
        lane.queue = lane.queue.slice(lane.queueHead);
        lane.queueHead = 0;
      }
      waiter.resolve(now);
    }
  }

  /** Drops the sends that left the local window; answers when the window has room again (≤ now: it has). */
  private windowReadyAt(lane: PhoneNumberLane, now: number): number {
    while (lane.windowHead < lane.window.length && lane.window[lane.windowHead] <= now - this.windowMs) {
      lane.windowHead++;
    }
    if (lane.windowHead > 64 && lane.windowHead * 2 > lane.window.length) {
      lane.window = lane.window.slice(lane.windowHead);
      lane.windowHead = 0;
    }
    const inWindow = lane.window.length - lane.windowHead;
    return inWindow < lane.limit ? -Infinity : lane.window[lane.window.length - lane.limit] + this.windowMs;
  }

  /**
   * The shared pace: each grant is one slot reserved in the store, given at its time (its
   * `at`, so `deliver` ages the grant from the slot, not from a late timer), and only if the
   * local window has room too.
   */
  private drainShared(lane: PhoneNumberLane, store: PaceStore): void {
    while (lane.queueHead < lane.queue.length) {
      const now = this.clock.now();
      while (lane.slots.length > 0 && lane.slots[0] < now - LATE_SLOT_TOLERANCE_MS) lane.slots.shift();
      this.reserve(lane, store);
      if (lane.slots.length === 0) return; // the reservation (or its retry) drains again
      const slot = lane.slots[0];
      const readyAt = Math.max(slot, this.windowReadyAt(lane, now));
      if (readyAt > now) {
        if (!lane.cancelTimer) {
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
      lane.slots.shift();
      // The grant's time is its slot's, even when handed out a little late: `deliver` then
      // ages it from the slot, so lateness and its own wait together stay under its bound.
      const at = slot;
      lane.window.push(at);
      const waiter = lane.queue[lane.queueHead];
      lane.queue[lane.queueHead++] = undefined as unknown as Waiter;
      if (lane.queueHead > 1024 && lane.queueHead * 2 > lane.queue.length) {
        lane.queue = lane.queue.slice(lane.queueHead);
        lane.queueHead = 0;
      }
      waiter.resolve(at);
    }
  }

  /** Reserves the next slots of a number in the store when its queue needs them (one reservation at a time). */
  private reserve(lane: PhoneNumberLane, store: PaceStore): void {
    if (lane.reserving || lane.cancelRetry || this.closed) return;
    const count = reservationSize(lane.queue.length - lane.queueHead, lane.slots.length, lane.limit);
    if (count === 0) return;
    lane.reserving = true;
    const sentAt = this.clock.now();
    store.reserve(lane.phoneNumberId, count, lane.spacingMicros).then(
      ({ firstInMs }) => {
        lane.reserving = false;
        lane.reserveFailures = 0;
        if (this.closed) return;
        const slots = localSlots(firstInMs, sentAt, this.clock.now(), count, lane.spacingMicros);
        const ascending = lane.slots.length === 0 || slots[0] >= lane.slots[lane.slots.length - 1];
        lane.slots.push(...slots);
        if (!ascending) lane.slots.sort((a, b) => a - b);
        if (!lane.cancelTimer) this.drain(lane);
      },
      (error: unknown) => {
        lane.reserving = false;
        if (this.closed) return;
        this.onPaceError(error);
        lane.cancelRetry = this.clock.setTimeout(() => {
          lane.cancelRetry = undefined;
          this.drain(lane);
        }, reserveRetryMs(++lane.reserveFailures));
      },
    );
  }

  /** Takes the pair's next token (possibly a future one); answers how long until it is due. */
  private reservePair(phoneNumberId: string, recipient: string): number {
    if (!this.pairRate) return 0;
    const { intervalMs, burst } = this.pairRate;
    const now = this.clock.now();
    if (++this.acquiresSinceSweep >= PAIR_SWEEP_EVERY) this.sweepPairs(now);
    const key = pairKey(phoneNumberId, recipient);
    const bucket = this.pairs.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / intervalMs);
    bucket.at = now;
    bucket.tokens -= 1;
    this.pairs.set(key, bucket);
    return bucket.tokens >= 0 ? 0 : Math.ceil(-bucket.tokens * intervalMs);
  }

  /** Forgets recipients whose bucket is full again: they are as new. */
  private sweepPairs(now: number): void {
    this.acquiresSinceSweep = 0;
    if (!this.pairRate) return;
    const { intervalMs, burst } = this.pairRate;
    for (const [key, bucket] of this.pairs) {
      if (bucket.tokens + (now - bucket.at) / intervalMs >= burst) this.pairs.delete(key);
    }
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

function pairKey(phoneNumberId: string, recipient: string): string {
  return `${phoneNumberId}\u0000${recipient.replace(/\D/g, '')}`;
}
