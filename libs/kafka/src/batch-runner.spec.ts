import { backoffMs, runBatch, type BatchRunnerParts } from './batch-runner';
import type { BatchContext, BatchResult, ConsumedRecord, OutgoingRecord } from './records';
import { TransientError } from './transient-error';

function records(...values: string[]): ConsumedRecord[] {
  return values.map((v, i) => ({
    topic: 'in',
    partition: 0,
    offset: String(10 + i),
    key: Buffer.from('k'),
    value: Buffer.from(v),
    headers: {},
    timestamp: '0',
  }));
}

function context(isStopping: () => boolean = () => false): BatchContext {
  return { topic: 'in', partition: 0, heartbeat: async () => undefined, isStopping, pauseFor: () => undefined };
}

const upper = (r: ConsumedRecord): OutgoingRecord => ({
  topic: 'out',
  key: 'k',
  value: r.value!.toString().toUpperCase(),
});

/** The runner's parts with the waits and acknowledgements recorded, nothing slept. */
function parts(overrides: Partial<BatchRunnerParts> & Pick<BatchRunnerParts, 'handler'>) {
  const acknowledged: BatchResult[] = [];
  const waits: number[] = [];
  const dead: string[] = [];
  const runner: BatchRunnerParts = {
    acknowledge: async (result) => (acknowledged.push(result), true),
    isTransient: (e) => e instanceof TransientError,
    triesBeforeSplit: 3,
    sleep: async (ms) => void waits.push(ms),
    backoffMs: (attempt) => attempt * 100,
    onDeadLettered: (record) => dead.push(record.value!.toString()),
    ...overrides,
  };
  return { runner, acknowledged, waits, dead };
}

describe('runBatch', () => {
  it('retries a batch failing with transient errors, with backoff, as long as it takes, never splitting it', async () => {
    let tries = 0;
    const { runner, acknowledged, waits, dead } = parts({
      handler: async (batch) => {
        if (++tries <= 5) throw new TransientError('database away');
        return { outputs: batch.map(upper) };
      },
    });
    const failures: Array<[number, boolean]> = [];
    runner.onBatchFailed = ({ attempt, transient }) => void failures.push([attempt, transient]);

    expect(await runBatch(records('a', 'b'), context(), runner)).toBe('11');
    expect(waits).toEqual([100, 200, 300, 400, 500]);
    expect(failures).toEqual([1, 2, 3, 4, 5].map((a) => [a, true]));
    expect(acknowledged).toEqual([{ outputs: [upper(records('a')[0]), upper(records('b')[0])] }]);
    expect(dead).toEqual([]);
  });

  it('isolates a poison record by splitting the batch: it goes to the dead letter with its reason, the others are handled', async () => {
    const seen: string[][] = [];
    const { runner, acknowledged, waits, dead } = parts({
      triesBeforeSplit: 2,
      handler: async (batch) => {
        seen.push(batch.map((r) => r.value!.toString()));
        if (batch.some((r) => r.value!.toString() === 'boom')) throw new TypeError('cannot handle boom');
        return { outputs: batch.map(upper) };
      },
    });
    const input = records('a', 'boom', 'b');

    expect(await runBatch(input, context(), runner)).toBe('12');
    // Twice whole, then one by one; the poison record twice alone before it is dead-lettered.
    expect(seen).toEqual([['a', 'boom', 'b'], ['a', 'boom', 'b'], ['a'], ['boom'], ['boom'], ['b']]);
    expect(waits).toEqual([100, 100]);
    expect(acknowledged).toEqual([
      { outputs: [{ topic: 'out', key: 'k', value: 'A' }] },
      { deadLetters: [{ record: input[1], reason: 'handler-error', error: 'cannot handle boom' }] },
      { outputs: [{ topic: 'out', key: 'k', value: 'B' }] },
    ]);
    expect(dead).toEqual(['boom']);
  });

  it('retries a record alone as long as its error is transient, never dead-lettering it', async () => {
    let aloneTries = 0;
    const { runner, acknowledged, dead } = parts({
      triesBeforeSplit: 1,
      handler: async (batch) => {
        if (batch.length > 1) throw new TypeError('one of them is bad');
        if (++aloneTries <= 4) throw new TransientError('database away');
        return { outputs: batch.map(upper) };
      },
    });
    expect(await runBatch(records('a', 'b'), context(), runner)).toBe('11');
    expect(dead).toEqual([]);
    expect(acknowledged.flatMap((r) => r.outputs ?? []).map((o) => o.value)).toEqual(['A', 'B']);
  });

  it('answers an offset only once the outputs are acknowledged, and retries while they cannot be', async () => {
    let release: (v: boolean) => void = () => undefined;
    let sends = 0;
    const { runner } = parts({
      handler: async (batch) => ({ outputs: batch.map(upper) }),
      acknowledge: (): Promise<boolean> => {
        if (++sends === 1) return Promise.reject(new TransientError('output topic away'));
        return new Promise((resolve) => (release = resolve));
      },
    });
    let handledUpTo: string | undefined | null = null;
    const running = runBatch(records('a', 'b', 'c'), context(), runner).then((o) => (handledUpTo = o));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(sends).toBe(2); // the failed acknowledgement was tried again
    expect(handledUpTo).toBeNull(); // the second one is still in flight: nothing to commit
    release(true);
    await running;
    expect(handledUpTo).toBe('12');
  });

  it('answers the last record a handler says it handled', async () => {
    const { runner } = parts({ handler: async () => ({ handledUpTo: '10' }) });
    expect(await runBatch(records('a', 'b'), context(), runner)).toBe('10');
  });

  it('answers nothing when an acknowledgement is given up at the stop; when split, the last one acknowledged', async () => {
    const whole = parts({ handler: async (batch) => ({ outputs: batch.map(upper) }), acknowledge: async () => false });
    expect(await runBatch(records('a', 'b'), context(), whole.runner)).toBeUndefined();

    let acks = 0;
    const split = parts({
      triesBeforeSplit: 1,
      handler: async (batch) => {
        if (batch.length > 1) throw new TypeError('split me');
        return { outputs: batch.map(upper) };
      },
      acknowledge: async () => ++acks < 3,
    });
    expect(await runBatch(records('a', 'b', 'c'), context(), split.runner)).toBe('11');
  });

  it('stops retrying once stopping, committing nothing; split, keeps what was handled', async () => {
    let stopping = false;
    const { runner, waits } = parts({
      handler: async () => {
        throw new TransientError('broker away');
      },
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 2) stopping = true;
      },
    });
    expect(
      await runBatch(
        records('a'),
        context(() => stopping),
        runner,
      ),
    ).toBeUndefined();
    expect(waits).toHaveLength(2);

    stopping = false;
    const split = parts({
      triesBeforeSplit: 1,
      handler: async (batch) => {
        if (batch.length > 1) throw new TypeError('split me');
        if (batch[0].value!.toString() === 'b') stopping = true;
        return { outputs: batch.map(upper) };
      },
    });
    expect(
      await runBatch(
        records('a', 'b', 'c'),
        context(() => stopping),
        split.runner,
      ),
    ).toBe('11');
    expect(split.acknowledged.flatMap((r) => r.outputs ?? []).map((o) => o.value)).toEqual(['A', 'B']);
  });
});

describe('backoffMs', () => {
  it('doubles from 200 ms to at most 15 s, each wait between half and all of it', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, () => 1))).toEqual([200, 400, 800, 1600]);
    expect([1, 2, 3].map((a) => backoffMs(a, () => 0))).toEqual([100, 200, 400]);
    expect(backoffMs(30, () => 1)).toBe(15_000);
    expect(backoffMs(30, () => 0)).toBe(7_500);
    for (let i = 0; i < 100; i++) {
      const ms = backoffMs(3);
      expect(ms).toBeGreaterThanOrEqual(400);
      expect(ms).toBeLessThanOrEqual(800);
    }
  });
});
