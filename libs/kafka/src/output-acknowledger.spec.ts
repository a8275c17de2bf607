import { DLQ_HEADER } from '@lib/contracts';
import { OutputAcknowledger } from './output-acknowledger';
import type { ConsumedRecord, OutgoingRecord } from './records';

const record: ConsumedRecord = {
  topic: 'cart-events-raw',
  partition: 2,
  offset: '7',
  key: Buffer.from('store:1'),
  value: Buffer.from('{not json'),
  headers: { source: 'shopify' },
  timestamp: '0',
};

describe('OutputAcknowledger', () => {
  afterEach(() => jest.useRealTimers());

  it('sends the outputs and the dead letters in one request, counting the dead letters once acknowledged', async () => {
    const sent: OutgoingRecord[][] = [];
    const counted: string[] = [];
    const acknowledger = new OutputAcknowledger({
      send: async (records) => void sent.push(records),
      graceOnStopMs: 1000,
      onDeadLetter: (topic, reason) => counted.push(`${topic} ${reason}`),
    });
    const output = { topic: 'cart-events', key: 'store:1', value: '{}' };
    expect(
      await acknowledger.acknowledge({
        outputs: [output],
        deadLetters: [{ record, reason: 'not-json', error: 'bad' }],
      }),
    ).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0][0]).toEqual(output);
    expect(sent[0][1]).toMatchObject({ topic: 'cart-events-raw-dlq', key: 'store:1', value: record.value });
    expect(sent[0][1].headers).toMatchObject({ [DLQ_HEADER.reason]: 'not-json', [DLQ_HEADER.sourceOffset]: '7' });
    expect(counted).toEqual(['cart-events-raw not-json']);
  });

  it('passes a failed send on (the batch is retried) and counts nothing', async () => {
    const counted: string[] = [];
    const acknowledger = new OutputAcknowledger({
      send: async () => Promise.reject(new Error('broker away')),
      graceOnStopMs: 1000,
      onDeadLetter: (topic) => counted.push(topic),
    });
    await expect(
      acknowledger.acknowledge({ deadLetters: [{ record, reason: 'not-json', error: 'bad' }] }),
    ).rejects.toThrow('broker away');
    expect(counted).toEqual([]);
  });

  it('waits without limit while running; once stopped, gives up after the grace time', async () => {
    jest.useFakeTimers();
    const givenUp: number[] = [];
    const acknowledger = new OutputAcknowledger({
      send: () => new Promise<void>(() => undefined), // the broker never answers
      graceOnStopMs: 1000,
      onGivenUp: (ms) => givenUp.push(ms),
    });
    let answer: boolean | undefined;
    void acknowledger.acknowledge({ outputs: [] }).then((a) => (answer = a));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(answer).toBeUndefined();

    acknowledger.stop();
    await jest.advanceTimersByTimeAsync(999);
    expect(answer).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(answer).toBe(false);
    expect(givenUp).toEqual([1000]);

    // One started after the stop has the grace time from its start.
    let later: boolean | undefined;
    void acknowledger.acknowledge({ outputs: [] }).then((a) => (later = a));
    await jest.advanceTimersByTimeAsync(1000);
    expect(later).toBe(false);
  });

  it('answers true for an acknowledgement that comes within the grace time', async () => {
    jest.useFakeTimers();
    const acknowledger = new OutputAcknowledger({
      send: () => new Promise<void>((resolve) => setTimeout(resolve, 500)),
      graceOnStopMs: 1000,
    });
    let answer: boolean | undefined;
    void acknowledger.acknowledge({ outputs: [] }).then((a) => (answer = a));
    acknowledger.stop();
    await jest.advanceTimersByTimeAsync(500);
    expect(answer).toBe(true);
    expect(jest.getTimerCount()).toBe(0); // the grace timer is cleared
  });
});
