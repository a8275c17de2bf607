import { FetchAhead } from './fetch-ahead';

/** A batch's handling the test finishes by hand. */
function gate() {
  let open: () => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { done, open, fail };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('FetchAhead', () => {
  it('handles the batches of a partition one after the other, in order, and other partitions meanwhile', async () => {
    const ahead = new FetchAhead(1000, () => undefined);
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const batch = (name: string) => () => {
      started.push(name);
      const g = gate();
      gates.set(name, g);
      return g.done;
    };
    await ahead.handOn('t', 0, 10, batch('p0-1'));
    await ahead.handOn('t', 0, 10, batch('p0-2'));
    await ahead.handOn('t', 1, 10, batch('p1-1'));
    await settle();
    expect(started).toEqual(['p0-1', 'p1-1']);
    expect(ahead.pending).toBe(30);
    gates.get('p1-1')!.open();
    await settle();
    expect(started).toEqual(['p0-1', 'p1-1']);
    gates.get('p0-1')!.open();
    await settle();
    expect(started).toEqual(['p0-1', 'p1-1', 'p0-2']);
    gates.get('p0-2')!.open();
    await ahead.settled();
    expect(ahead.pending).toBe(0);
  });

  it('holds the fetch back while more records than its limit are handed on', async () => {
    const ahead = new FetchAhead(100, () => undefined);
    const first = gate();
    const second = gate();
    await ahead.handOn('t', 0, 60, () => first.done); // 60: under the limit, the fetch goes on
    let returned = false;
    void ahead.handOn('t', 1, 60, () => second.done).then(() => (returned = true));
    await settle();
    expect(returned).toBe(false); // 120 pending
    first.open();
    await settle();
    expect(returned).toBe(true); // 60 pending
    second.open();
    await ahead.settled();
  });

  it('drops the batches queued behind one that stopped short, on its partition only; later ones run', async () => {
    const ahead = new FetchAhead(1000, () => undefined);
    const handled: string[] = [];
    const first = gate();
    await ahead.handOn('t', 0, 1, async (dropQueued) => {
      await first.done;
      handled.push('p0-1 (short)');
      dropQueued();
    });
    await ahead.handOn('t', 0, 1, async () => void handled.push('p0-2'));
    await ahead.handOn('t', 1, 1, async () => void handled.push('p1-1'));
    first.open();
    await ahead.settled();
    expect(handled).toEqual(['p1-1', 'p0-1 (short)']);
    // Fetched again from where it stopped: handed on after the drop, it runs.
    await ahead.handOn('t', 0, 1, async () => void handled.push('p0-2 again'));
    await ahead.settled();
    expect(handled).toEqual(['p1-1', 'p0-1 (short)', 'p0-2 again']);
    expect(ahead.pending).toBe(0);
  });

  it('reports a batch that failed and goes on with the next one of its partition', async () => {
    const failed: string[] = [];
    const ahead = new FetchAhead(1000, (error, topic, partition) =>
      failed.push(`${topic}:${partition} ${(error as Error).message}`),
    );
    const handled: string[] = [];
    await ahead.handOn('t', 3, 5, async () => Promise.reject(new Error('commit failed')));
    await ahead.handOn('t', 3, 5, async () => void handled.push('next'));
    await ahead.settled();
    expect(failed).toEqual(['t:3 commit failed']);
    expect(handled).toEqual(['next']);
    expect(ahead.pending).toBe(0);
  });
});
