import fc from 'fast-check';
import { PACED_ATTEMPTS_FACTOR, RetryPolicy } from './retry-policy';

describe('RetryPolicy', () => {
  it('draws each delay between 0 and a ceiling that doubles up to the cap', () => {
    const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 10, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map((n) => policy.ceilingMs(n))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(policy.next(1)).toEqual({ retry: true, delayMs: 99 });
    expect(policy.next(4)).toEqual({ retry: true, delayMs: 799 });
    expect(new RetryPolicy({ baseDelayMs: 100, random: () => 0 }).next(3)).toEqual({ retry: true, delayMs: 0 });
  });

  it('is full jitter: delays spread over the whole range', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const policy = new RetryPolicy({ baseDelayMs: 1_000, maxDelayMs: 1_000, random });
    const delays = Array.from({ length: 2_000 }, () => (policy.next(1) as { delayMs: number }).delayMs);
    expect(Math.min(...delays)).toBeLessThan(50);
    expect(Math.max(...delays)).toBeGreaterThan(950);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(450);
    expect(mean).toBeLessThan(550);
  });

  it('never retries sooner than the answer asked', () => {
    const policy = new RetryPolicy({ baseDelayMs: 100, random: () => 0.5 });
    expect(policy.next(1, 6_000)).toEqual({ retry: true, delayMs: 6_000 });
    expect(policy.next(1, 10)).toEqual({ retry: true, delayMs: 50 });
  });

  it('stops after maxAttempts attempts in total', () => {
    const policy = new RetryPolicy({ maxAttempts: 3 });
    expect(policy.next(1).retry).toBe(true);
    expect(policy.next(2).retry).toBe(true);
    expect(policy.next(3)).toEqual({ retry: false, reason: 'attempts-exhausted' });
    expect(new RetryPolicy({ maxAttempts: 1 }).next(1).retry).toBe(false);
  });

  it('does not count refusals by a sending limit, up to maxAttempts × PACED_ATTEMPTS_FACTOR requests', () => {
    const policy = new RetryPolicy({ maxAttempts: 3, baseDelayMs: 100, random: () => 0.5 });
    expect(policy.maxRequests).toBe(3 * PACED_ATTEMPTS_FACTOR);
    expect(policy.next(2, 1_000, 5)).toEqual({ retry: true, delayMs: 1_000 });
    expect(policy.next(3, undefined, 0)).toEqual({ retry: false, reason: 'attempts-exhausted' });
    expect(policy.next(0, 1_000, policy.maxRequests - 1)).toEqual({ retry: true, delayMs: 1_000 });
    expect(policy.next(0, 1_000, policy.maxRequests)).toEqual({ retry: false, reason: 'attempts-exhausted' });
  });

  it('keeps every delay within [retryAfter, max(cap, retryAfter)]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (failed, retryAfterMs, r) => {
          const policy = new RetryPolicy({ maxAttempts: 50, baseDelayMs: 250, maxDelayMs: 30_000, random: () => r });
          const decision = policy.next(failed, retryAfterMs);
          if (!decision.retry) return false;
          return decision.delayMs >= (retryAfterMs ?? 0) && decision.delayMs <= Math.max(30_000, retryAfterMs ?? 0);
        },
      ),
    );
  });

  it('refuses nonsense settings', () => {
    expect(() => new RetryPolicy({ maxAttempts: 0 })).toThrow();
    expect(() => new RetryPolicy({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow();
  });
});
