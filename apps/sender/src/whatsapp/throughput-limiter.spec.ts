import fc from 'fast-check';
import { ThroughputLimiter, type LimiterClock } from './throughput-limiter';

/** A clock the test moves by hand; timers run in time order, promises settle between them. */
class FakeClock implements LimiterClock {
  time = 0;
  timersSet = 0;
  private timers: Array<{ at: number; run: () => void; seq: number }> = [];
  private seq = 0;

  /** Timers may fire late, or a fraction early against a fractional clock: `shift` says by how much. */
  constructor(private readonly shift: () => number = () => 0) {}

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): () => void {
    this.timersSet++;
    const timer = { at: this.time + ms + this.shift(), run, seq: this.seq++ };
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
  it('spreads sends evenly, one every window / limit', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ perSecond: 4, safetyMarginMs: 0, pairRate: false, clock });
    const grants: number[] = [];
    for (let i = 0; i < 7; i++) void limiter.acquire('pn-1', `3460000000${i}`).then(() => grants.push(clock.now()));
    await clock.advanceTo(5_000);
    expect(grants).toEqual([0, 250, 500, 750, 1_000, 1_250, 1_500]);
  });

  const arrivals = fc.array(
    fc.record({ at: fc.integer({ min: 0, max: 4_000 }), number: fc.constantFrom('pn-a', 'pn-b') }),
    { minLength: 1, maxLength: 60 },
  );

  async function run(limit: number, list: Array<{ at: number; number: string }>, clock: FakeClock) {
    const limiter = new ThroughputLimiter({ perSecond: limit, safetyMarginMs: 0, pairRate: false, clock });
    const byNumber = new Map<string, Array<{ arrival: number; granted?: number }>>();
    const sorted = [...list].sort((a, b) => a.at - b.at);
    for (const [i, arrival] of sorted.entries()) {
      await clock.advanceTo(arrival.at);
      const entry: { arrival: number; granted?: number } = { arrival: clock.now() };
      byNumber.set(arrival.number, [...(byNumber.get(arrival.number) ?? []), entry]);
      void limiter.acquire(arrival.number, `3460000${i}`).then(() => (entry.granted = clock.now()));
    }
    await clock.advanceTo(1_000_000);
    return [...byNumber.values()];
  }

  it('never puts more than the limit into any one-second window, serves first come first served, never idles', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 2, 4, 5, 8, 10, 20), arrivals, async (limit, list) => {
        const spacing = 1_000 / limit;
        for (const lane of await run(limit, list, new FakeClock())) {
          const granted = lane.map((e) => e.granted!);
          expect(granted.every((t) => t !== undefined)).toBe(true);
          expect(peakInWindow(granted)).toBeLessThanOrEqual(limit);
          lane.forEach((entry, k) => {
            if (k === 0) return expect(entry.granted).toBe(entry.arrival);
            // In arrival order, evenly spaced (a slot may start up to 2 ms before an idle arrival)…
            expect(entry.granted! - granted[k - 1]).toBeGreaterThanOrEqual(spacing - 2);
            // …and no later than its arrival, the pace and the window require.
            const due = Math.max(entry.arrival, granted[k - 1] + spacing, k >= limit ? granted[k - limit] + 1_000 : 0);
            expect(entry.granted).toBeLessThanOrEqual(due);
          });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the one-second limit when timers fire late or early by random amounts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 3, 7, 10, 80),
        arrivals,
        fc.array(fc.double({ min: -0.9, max: 25, noNaN: true }), { minLength: 1, maxLength: 50 }),
        async (limit, list, shifts) => {
          let i = 0;
          const clock = new FakeClock(() => shifts[i++ % shifts.length]);
          for (const lane of await run(limit, list, clock)) {
            expect(peakInWindow(lane.map((e) => e.granted!))).toBeLessThanOrEqual(limit);
            const order = lane.map((e) => e.granted!);
            expect(order).toEqual([...order].sort((a, b) => a - b));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps phone numbers apart and honours per-number overrides', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({
      perSecond: 2,
      perSecondByPhoneNumber: { big: 5 },
      safetyMarginMs: 0,
      pairRate: false,
      clock,
    });
    const grants: Record<string, number[]> = { small: [], big: [] };
    for (let i = 0; i < 5; i++) {
      void limiter.acquire('small', `1${i}`).then(() => grants.small.push(clock.now()));
      void limiter.acquire('big', `2${i}`).then(() => grants.big.push(clock.now()));
    }
    await clock.advanceTo(10_000);
    expect(grants.big).toEqual([0, 200, 400, 600, 800]);
    expect(grants.small).toEqual([0, 500, 1_000, 1_500, 2_000]);
  });

  it("takes a number's limit from the store's settings over the override, and a raised one from then on", async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({
      perSecond: 2,
      perSecondByPhoneNumber: { upgraded: 4 },
      safetyMarginMs: 0,
      pairRate: false,
      clock,
    });
    const grants: number[] = [];
    for (let i = 0; i < 3; i++) void limiter.acquire('upgraded', `1${i}`, 5).then(() => grants.push(clock.now()));
    await clock.advanceTo(1_000);
    expect(grants).toEqual([0, 200, 400]);
    // Meta raised the number: the next slots follow the new pace.
    for (let i = 0; i < 3; i++) void limiter.acquire('upgraded', `2${i}`, 10).then(() => grants.push(clock.now()));
    await clock.advanceTo(3_000);
    expect(grants.slice(3)).toEqual([1_000, 1_100, 1_200]);
    // A send without a settings limit keeps the lane's current one.
    void limiter.acquire('upgraded', '30').then(() => grants.push(clock.now()));
    await clock.advanceTo(4_000);
    expect(grants[6]).toBe(3_000);
    await expect(limiter.acquire('upgraded', '40', 0)).rejects.toThrow(/integer ≥ 1/);
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
    const limiter = new ThroughputLimiter({ perSecond: 10, safetyMarginMs: 0, pairRate: false, clock });
    let granted = 0;
    for (let i = 0; i < 1_000; i++) void limiter.acquire('pn', `${i}`).then(() => granted++);
    await settle();
    expect(granted).toBe(1);
    expect(clock.pending()).toBe(1);
    expect(limiter.waiting('pn')).toBe(999);
    await clock.advanceTo(50_000);
    expect(granted).toBe(501);
    await clock.advanceTo(200_000);
    expect(granted).toBe(1_000);
    // One timer per grant that had to wait, none more.
    expect(clock.timersSet).toBe(999);
    expect(clock.pending()).toBe(0);
  });

  it('defaults to 80 per second with a 50 ms margin: one send every 13.125 ms', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ pairRate: false, clock });
    const grants: number[] = [];
    for (let i = 0; i < 200; i++) void limiter.acquire('pn', `${i}`).then(() => grants.push(clock.now()));
    await clock.advanceTo(10_000);
    expect(grants).toHaveLength(200);
    expect(peakInWindow(grants)).toBe(77);
    expect(peakInWindow(grants, 1_050)).toBe(80);
  });

  it('wakes correctly when a timer fires a fraction early on a fractional clock', async () => {
    // Binary fractions, so the float arithmetic is exact and the expected times too.
    const clock = new FakeClock(() => -0.5);
    clock.time = 0.5;
    const limiter = new ThroughputLimiter({ perSecond: 1, safetyMarginMs: 0, pairRate: false, clock });
    const grants: number[] = [];
    for (let i = 0; i < 2; i++) void limiter.acquire('pn', `${i}`).then(() => grants.push(clock.now()));
    await clock.advanceTo(3_000);
    // The 1,000 ms timer fired at 1,000.0, half a millisecond early: the window was still
    // full, so one more 1 ms timer (also early) let it go at exactly 1,000.5.
    expect(grants).toEqual([0.5, 1_000.5]);
    expect(clock.timersSet).toBe(2);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new ThroughputLimiter({ perSecond: 0 })).toThrow();
    expect(() => new ThroughputLimiter({ perSecondByPhoneNumber: { x: 2.5 } })).toThrow();
    expect(() => new ThroughputLimiter({ pairRate: { intervalMs: 0, burst: 1 } })).toThrow();
  });
});

describe('ThroughputLimiter: renewing an aged grant', () => {
  it('serves the renewal before the waiters already queued, at the next slot of the pace', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ perSecond: 2, safetyMarginMs: 0, pairRate: false, clock });
    const first = await limiter.acquire('pn', '1');
    const order: Array<[string, number]> = [];
    void limiter.acquire('pn', '2').then((g) => order.push(['second', g.at]));
    void limiter.acquire('pn', '3').then((g) => order.push(['third', g.at]));
    await clock.advanceTo(100);
    void limiter.renew(first).then((g) => order.push(['renewed', g.at]));
    await clock.advanceTo(5_000);
    expect(order).toEqual([
      ['renewed', 500],
      ['second', 1_000],
      ['third', 1_500],
    ]);
    expect(first).toEqual({ phoneNumberId: 'pn', recipient: '1', at: 0 });
  });

  it('takes the renewed grant out of the window: only used grants count, never over the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2, 5, 10),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 3_000 }), renewals: fc.integer({ min: 0, max: 2 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (limit, sends) => {
          const clock = new FakeClock();
          const limiter = new ThroughputLimiter({ perSecond: limit, safetyMarginMs: 0, pairRate: false, clock });
          const used: number[] = [];
          const sorted = [...sends].sort((a, b) => a.at - b.at);
          for (const [i, send] of sorted.entries()) {
            await clock.advanceTo(send.at);
            void (async () => {
              let grant = await limiter.acquire('pn', `${i}`);
              for (let r = 0; r < send.renewals; r++) grant = await limiter.renew(grant);
              used.push(grant.at);
            })();
          }
          await clock.advanceTo(1_000_000);
          expect(used).toHaveLength(sends.length);
          expect(peakInWindow(used)).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects renewals after close', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ clock });
    const grant = await limiter.acquire('pn', '1');
    limiter.close();
    await expect(limiter.renew(grant)).rejects.toThrow('closed');
  });
});

describe('ThroughputLimiter: pair rate per recipient', () => {
  it('paces one recipient at one message per interval without holding back the others', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({
      perSecond: 1_000,
      safetyMarginMs: 0,
      pairRate: { intervalMs: 6_000, burst: 1 },
      clock,
    });
    const grants: Array<[string, number]> = [];
    for (const to of ['34600111222', '+34 600 111 222', '34600111222', '34600999888']) {
      void limiter.acquire('pn', to).then(() => grants.push([to, clock.now()]));
    }
    await clock.advanceTo(20_000);
    expect(grants).toEqual([
      ['34600111222', 0],
      ['34600999888', 1],
      ['+34 600 111 222', 6_000],
      ['34600111222', 12_000],
    ]);
  });

  it('allows a burst, then the pace; the same recipient on another number is another pair', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({
      perSecond: 1_000,
      safetyMarginMs: 0,
      pairRate: { intervalMs: 6_000, burst: 3 },
      clock,
    });
    const grants: number[] = [];
    for (let i = 0; i < 5; i++) void limiter.acquire('pn', '34600111222').then(() => grants.push(clock.now()));
    let other = -1;
    void limiter.acquire('pn-2', '34600111222').then(() => (other = clock.now()));
    await clock.advanceTo(30_000);
    expect(grants).toEqual([0, 1, 2, 6_000, 12_000]);
    expect(other).toBe(0);
  });

  it('gives the pair token back for a send Meta did not accept', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({ pairRate: { intervalMs: 6_000, burst: 1 }, clock });
    await limiter.acquire('pn', '34600111222');
    limiter.refundRecipient('pn', '34600111222');
    let second = -1;
    void limiter.acquire('pn', '34600111222').then(() => (second = clock.now()));
    await clock.advanceTo(100);
    // Only the number's pace (13.125 ms) held it, not the pair's 6 s.
    expect(second).toBe(14);
    // Refunds never go above the burst.
    limiter.refundRecipient('pn', '34600111222');
    limiter.refundRecipient('pn', '34600111222');
    const later: number[] = [];
    for (let i = 0; i < 2; i++) void limiter.acquire('pn', '34600111222').then(() => later.push(clock.now()));
    await clock.advanceTo(20_000);
    expect(later).toEqual([100, 6_100]);
  });

  it('forgets idle recipients so memory does not grow with every shopper', async () => {
    const clock = new FakeClock();
    const limiter = new ThroughputLimiter({
      perSecond: 1_000,
      safetyMarginMs: 0,
      pairRate: { intervalMs: 6_000, burst: 1 },
      clock,
    });
    for (let i = 0; i < 5_000; i++) {
      void limiter.acquire('pn', `34600${i}`);
      if (i % 1_000 === 999) await clock.advanceTo(clock.now() + 7_000);
    }
    await clock.advanceTo(clock.now() + 7_000);
    expect((limiter as unknown as { pairs: Map<string, unknown> }).pairs.size).toBeLessThan(2_000);
    expect(limiter.waiting('pn')).toBe(0);
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
