import { PairRate } from './pair-rate';

describe('PairRate', () => {
  it('lets a burst go at once, then one per interval, borrowing future tokens', () => {
    const pairs = new PairRate({ intervalMs: 6_000, burst: 2 });
    expect([0, 0, 0, 0].map(() => pairs.take('pn', '34600111222', 0))).toEqual([0, 0, 6_000, 12_000]);
    // Three seconds later half a token came back: the next waits for the rest of the queue.
    expect(pairs.take('pn', '34600111222', 3_000)).toBe(15_000);
  });

  it('counts a recipient by its digits, and apart per phone number', () => {
    const pairs = new PairRate({ intervalMs: 6_000, burst: 1 });
    expect(pairs.take('pn', '+34 600 111 222', 0)).toBe(0);
    expect(pairs.take('pn', '34600111222', 0)).toBe(6_000);
    expect(pairs.take('pn-2', '34600111222', 0)).toBe(0);
  });

  it('gives a token back, never above the burst', () => {
    const pairs = new PairRate({ intervalMs: 6_000, burst: 1 });
    pairs.take('pn', '1', 0);
    pairs.refund('pn', '1');
    pairs.refund('pn', '1');
    pairs.refund('pn', 'never seen'); // nothing to give back
    expect(pairs.take('pn', '1', 0)).toBe(0);
    expect(pairs.take('pn', '1', 0)).toBe(6_000);
  });

  it('forgets pairs whose bucket is full again', () => {
    const pairs = new PairRate({ intervalMs: 6_000, burst: 1 });
    for (let i = 0; i < 4_000; i++) pairs.take('pn', `${i}`, 0);
    expect(pairs.size).toBe(4_000);
    for (let i = 0; i < 96; i++) pairs.take('pn', `late ${i}`, 6_000); // the 4,096th take sweeps
    expect(pairs.size).toBeLessThan(100);
  });

  it('refuses an interval or burst that would not pace', () => {
    expect(() => new PairRate({ intervalMs: 0, burst: 1 })).toThrow(/intervalMs > 0/);
    expect(() => new PairRate({ intervalMs: 6_000, burst: 0 })).toThrow(/burst ≥ 1/);
  });
});
