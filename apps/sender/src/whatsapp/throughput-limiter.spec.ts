import fc from 'fast-check';
import { ThroughputLimiter, type LimiterClock } from './throughput-limiter';

/** A clock the test moves by hand; timers run in time order, promises settle between them. */
class FakeClock implements LimiterClock {
  time = 0;
  timersSet = 0;
  private timers: Array<{ at: number; run: () => void; seq: number }> = [];
  private seq = 0;

  /** Timers may fire this much early, as real ones can against a fractional clock. */
  constructor(private readonly earlyMs = 0) {}

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): () => void {
    this.timersSet++;
    const timer = { at: this.time + ms - this.earlyMs, run, seq: this.seq++ };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  pending(): number {
    return this.timers.length;
  }

  async advanceTo(end: number): Promise<void> {
    await settle();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.run();
      await settle();
    }
    this.time = Math.max(this.time, end);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Most grants within any window of `windowMs` (a time exactly windowMs earlier is outside, as Meta counts). */
function peakInWindow(times: number[], windowMs = 1_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while (sorted[start] <= sorted[end] - windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

describe('ThroughputLimiter: throughput per phone number id', () => {
  it('lets the limit go at once, then one more each time the oldest leaves the window', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ perSecond: 3, pairRate: false, clock });
    const grants: number[] = [];
    for (let i = 0; i < 7; i++) void limiter.acquire('pn-1', `3460000000${i}`).then(() => grants.push(clock.now()));
    await clock.advanceTo(5_000);
    expect(grants).toEqual([0, 0, 0, 1_000, 1_000, 1_000, 2_000]);
  });

  it('never puts more than the limit into any one-second sliding window, FIFO, and without idling (random arrivals)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 4_000 }), number: fc.constantFrom('pn-a', 'pn-b') }), {
          minLength: 1,
          maxLength: 60,
        }),
        async (limit, arrivals) => {
          const clock = new FakeClock();
          const limiter = new ThroughputLimiter({ perSecond: limit, pairRate: false, clock });
          const byNumber = new Map<string, Array<{ arrival: number; granted?: number }>>();
          const sorted = [...arrivals].sort((a, b) => a.at - b.at);
          for (const [i, arrival] of sorted.entries()) {
            await clock.advanceTo(arrival.at);
            const entry: { arrival: number; granted?: number } = { arrival: clock.now() };
            const list = byNumber.get(arrival.number) ?? [];
            list.push(entry);
            byNumber.set(arrival.number, list);
            void limiter.acquire(arrival.number, `3460000${i}`).then(() => (entry.granted = clock.now()));
          }
          await clock.advanceTo(1_000_000);
          for (const list of byNumber.values()) {
            const granted = list.map((e) => e.granted!);
            expect(granted.every((t) => t !== undefined)).toBe(true);
            expect(peakInWindow(granted)).toBeLessThanOrEqual(limit);
            // FIFO and work-conserving: each goes as soon as both it has arrived and the send
            // `limit` places earlier has left the window.
            list.forEach((entry, k) => {
              const earliest = Math.max(entry.arrival, k >= limit ? list[k - limit].granted! + 1_000 : 0);
              expect(entry.granted).toBe(earliest);
            });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps phone numbers apart and honours per-number overrides', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ perSecond: 2, perSecondByPhoneNumber: { big: 5 }, pairRate: false, clock });
    const grants: Record<string, number[]> = { small: [], big: [] };
    for (let i = 0; i < 5; i++) {
      void limiter.acquire('small', `1${i}`).then(() => grants.small.push(clock.now()));
      void limiter.acquire('big', `2${i}`).then(() => grants.big.push(clock.now()));
    }
    await clock.advanceTo(10_000);
    expect(grants.big).toEqual([0, 0, 0, 0, 0]);
    expect(grants.small).toEqual([0, 0, 1_000, 1_000, 2_000]);
  });

  it('adds the safety margin to the window', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ perSecond: 1, safetyMarginMs: 50, pairRate: false, clock });
    const grants: number[] = [];
    for (let i = 0; i < 3; i++) void limiter.acquire('pn', `1${i}`).then(() => grants.push(clock.now()));
    await clock.advanceTo(5_000);
    expect(grants).toEqual([0, 1_050, 2_100]);
  });

  it('waits on timers, one per phone number at a time, never polling', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ perSecond: 10, pairRate: false, clock });
    let granted = 0;
    for (let i = 0; i < 1_000; i++) void limiter.acquire('pn', `${i}`).then(() => granted++);
    await settle();
    expect(granted).toBe(10);
    expect(clock.pending()).toBe(1);
    expect(limiter.waiting('pn')).toBe(990);
    await clock.advanceTo(200_000);
    expect(granted).toBe(1_000);
    // One timer per window of ten grants.
    expect(clock.timersSet).toBe(99);
    expect(clock.pending()).toBe(0);
  });

  it('wakes correctly when a timer fires a fraction early on a fractional clock', async () => {
    const clock = new FakeClock(0.5);
    clock.time = 0.4;
    const limiter = new ThroughputLimiter({ perSecond: 1, pairRate: false, clock });
    const grants: number[] = [];
    for (let i = 0; i < 2; i++) void limiter.acquire('pn', `${i}`).then(() => grants.push(clock.now()));
    await clock.advanceTo(3_000);
    expect(grants[0]).toBe(0.4);
    expect(grants[1]).toBe(1_000.4);
    // The early wake-up found the window still full and set one more short timer.
    expect(clock.timersSet).toBe(2);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new ThroughputLimiter({ perSecond: 0 })).toThrow();
    expect(() => new ThroughputLimiter({ perSecondByPhoneNumber: { x: 2.5 } })).toThrow();
    expect(() => new ThroughputLimiter({ pairRate: { intervalMs: 0, burst: 1 } })).toThrow();
  });
});

describe('ThroughputLimiter: pair rate per recipient', () => {
  it('paces one recipient at one message per interval without holding back the others', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ perSecond: 80, pairRate: { intervalMs: 6_000, burst: 1 }, clock });
    const grants: Array<[string, number]> = [];
    for (const to of ['34600111222', '+34 600 111 222', '34600111222', '34600999888']) {
      void limiter.acquire('pn', to).then(() => grants.push([to, clock.now()]));
    }
    await clock.advanceTo(20_000);
    expect(grants).toEqual([
      ['34600111222', 0],
      ['34600999888', 0],
      ['+34 600 111 222', 6_000],
      ['34600111222', 12_000],
    ]);
  });

  it('allows a burst, then the pace; the same recipient on another number is another pair', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ pairRate: { intervalMs: 6_000, burst: 3 }, clock });
    const grants: number[] = [];
    for (let i = 0; i < 5; i++) void limiter.acquire('pn', '34600111222').then(() => grants.push(clock.now()));
    let other = -1;
    void limiter.acquire('pn-2', '34600111222').then(() => (other = clock.now()));
    await clock.advanceTo(30_000);
    expect(grants).toEqual([0, 0, 0, 6_000, 12_000]);
    expect(other).toBe(0);
  });

  it('gives the pair token back for a send Meta did not accept', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ pairRate: { intervalMs: 6_000, burst: 1 }, clock });
    await limiter.acquire('pn', '34600111222');
    limiter.refundRecipient('pn', '34600111222');
    let second = -1;
    void limiter.acquire('pn', '34600111222').then(() => (second = clock.now()));
    await clock.advanceTo(1);
    expect(second).toBe(0);
    // Refunds never go above the burst.
    limiter.refundRecipient('pn', '34600111222');
    limiter.refundRecipient('pn', '34600111222');
    const later: number[] = [];
    for (let i = 0; i < 2; i++) void limiter.acquire('pn', '34600111222').then(() => later.push(clock.now()));
    await clock.advanceTo(20_000);
    expect(later).toEqual([1, 6_001]);
  });

  it('forgets idle recipients so memory does not grow with every shopper', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ perSecond: 1_000, pairRate: { intervalMs: 6_000, burst: 1 }, clock });
    for (let i = 0; i < 5_000; i++) {
      await limiter.acquire('pn', `34600${i}`);
      if (i % 1_000 === 999) await clock.advanceTo(clock.now() + 7_000);
    }
    expect((limiter as unknown as { pairs: Map<string, unknown> }).pairs.size).toBeLessThan(2_000);
  });
});

describe('ThroughputLimiter: close', () => {
  it('rejects waiters of both kinds and new acquires', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ perSecond: 1, pairRate: { intervalMs: 6_000, burst: 1 }, clock });
    await limiter.acquire('pn', '1');
    const throughputWaiter = limiter.acquire('pn', '2');
    const pairWaiter = limiter.acquire('pn', '1');
    await settle();
    limiter.close();
    await expect(throughputWaiter).rejects.toThrow('closed');
    await expect(pairWaiter).rejects.toThrow('closed');
    await expect(limiter.acquire('pn', '3')).rejects.toThrow('closed');
    expect(clock.pending()).toBe(0);
  });
});
