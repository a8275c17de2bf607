import type { LimiterClock } from './limiter-clock';
import type { PaceStore } from './shared-pace';
import { SharedPaceSlots } from './shared-pace-slots';

/** A clock moved by hand; timers kept to be run by the test. */
class HandClock implements LimiterClock {
  time = 0;
  timers: Array<{ at: number; run: () => void }> = [];
  now(): number {
    return this.time;
  }
  setTimeout(run: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, run };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((t) => t !== timer));
  }
}

/** The store's part played in memory: each reservation answers when the test says. */
function store() {
  const calls: Array<{ count: number; spacingMicros: number; answer: (firstInMs: number) => void; fail: () => void }> =
    [];
  const pace: PaceStore = {
    reserve: (_id, count, spacingMicros) =>
      new Promise((resolve, reject) =>
        calls.push({
          count,
          spacingMicros,
          answer: (firstInMs) => resolve({ firstInMs }),
          fail: () => reject(new Error('database away')),
        }),
      ),
  };
  return { pace, calls };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function slots(clock: HandClock, pace: PaceStore, limit = 80) {
  const events: string[] = [];
  const shared = new SharedPaceSlots({
    phoneNumberId: 'pn',
    store: pace,
    clock,
    windowMs: 1_050,
    limit,
    onReady: () => events.push('ready'),
    onError: (e) => events.push(`error: ${(e as Error).message}`),
  });
  return { shared, events };
}

describe('SharedPaceSlots', () => {
  it('reserves slots for the sends waiting, one reservation at a time, and hands them out at their times', async () => {
    const clock = new HandClock();
    const { pace, calls } = store();
    const { shared, events } = slots(clock, pace);
    expect(shared.nextAt(0, 3)).toBeUndefined();
    expect(shared.nextAt(0, 3)).toBeUndefined(); // still reserving: no second request
    expect(calls.map((c) => [c.count, c.spacingMicros])).toEqual([[3, 13_125]]);
    clock.time = 2; // the round trip: the first slot is 5 ms from the store's now, at its midpoint
    calls[0].answer(5);
    await settle();
    expect(events).toEqual(['ready']);
    expect(shared.nextAt(2, 3)).toBe(6);
    expect(shared.take()).toBe(6);
    expect(shared.nextAt(7, 2)).toBe(19.125);
    expect(shared.take()).toBe(19.125);
    expect(shared.take()).toBe(32.25);
  });

  it('drops a slot more than 20 ms late; the grant keeps its slot time when less', async () => {
    const clock = new HandClock();
    const { pace, calls } = store();
    const { shared } = slots(clock, pace);
    shared.nextAt(0, 2);
    calls[0].answer(0);
    await settle();
    expect(shared.nextAt(19, 2)).toBe(0); // 19 ms late: still used
    expect(shared.nextAt(33, 2)).toBe(13.125); // the first, 33 ms late, is dropped
  });

  it('tries a failed reservation again after a wait, then calls back', async () => {
    const clock = new HandClock();
    const { pace, calls } = store();
    const { shared, events } = slots(clock, pace);
    shared.nextAt(0, 1);
    calls[0].fail();
    await settle();
    expect(events).toEqual(['error: database away']);
    expect(shared.nextAt(0, 1)).toBeUndefined(); // waits for the retry: no request meanwhile
    expect(calls).toHaveLength(1);
    expect(clock.timers.map((t) => t.at)).toEqual([100]);
    clock.time = 100;
    clock.timers.shift()!.run();
    expect(events).toEqual(['error: database away', 'ready']);
    shared.nextAt(100, 1);
    expect(calls).toHaveLength(2);
  });

  it('reserves at a changed limit, and nothing once closed', async () => {
    const clock = new HandClock();
    const { pace, calls } = store();
    const { shared, events } = slots(clock, pace);
    shared.setLimit(1_000);
    shared.nextAt(0, 500);
    expect(calls.map((c) => [c.count, c.spacingMicros])).toEqual([[125, 1_050]]);
    shared.close();
    calls[0].answer(0);
    await settle();
    expect(events).toEqual([]);
    expect(shared.nextAt(0, 500)).toBeUndefined();
    expect(calls).toHaveLength(1);
  });
});
