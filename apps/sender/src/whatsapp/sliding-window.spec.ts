import { SlidingWindow } from './sliding-window';

describe('SlidingWindow', () => {
  it('has room while fewer than the limit grants are inside the window', () => {
    const window = new SlidingWindow(1_000, 2);
    expect(window.readyAt(0)).toBe(-Infinity);
    window.record(0);
    expect(window.readyAt(0)).toBe(-Infinity);
    window.record(300);
    // Full: room again when the oldest of the last `limit` grants leaves.
    expect(window.readyAt(300)).toBe(1_000);
    expect(window.readyAt(999)).toBe(1_000);
  });

  it('lets a grant leave exactly one window later, as Meta counts it', () => {
    const window = new SlidingWindow(1_000, 1);
    window.record(250);
    expect(window.readyAt(1_249.999)).toBe(1_250);
    expect(window.readyAt(1_250)).toBe(-Infinity);
  });

  it('takes a grant that never reached Meta back out', () => {
    const window = new SlidingWindow(1_000, 2);
    window.record(0);
    window.record(10);
    window.forget(10);
    expect(window.readyAt(20)).toBe(-Infinity);
    window.forget(0);
    window.forget(0); // already out: nothing
    window.record(30);
    window.record(40);
    expect(window.readyAt(50)).toBe(1_030);
  });

  it('follows a changed limit from the next grant on', () => {
    const window = new SlidingWindow(1_000, 3);
    for (const at of [0, 10, 20]) window.record(at);
    expect(window.readyAt(30)).toBe(1_000);
    window.limit = 2;
    expect(window.readyAt(30)).toBe(1_010);
    window.limit = 5;
    expect(window.readyAt(30)).toBe(-Infinity);
  });

  it('forgets grants that left, whatever their number', () => {
    const window = new SlidingWindow(100, 50);
    for (let at = 0; at < 10_000; at += 2) {
      expect(window.readyAt(at)).toBe(-Infinity); // 50 grants in 100 ms: always room for the next
      window.record(at);
    }
  });
});
