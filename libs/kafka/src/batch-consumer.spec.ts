import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { Kafka } from 'kafkajs';
import { createLogger } from '@lib/observability';
import { BatchConsumer } from './batch-consumer';
import type { RecordProducer } from './producer';

/**
 * The rejoin after a crash kafkajs does not restart. Which errors kafkajs gives up on depends
 * on broker timing (test/faults/broker-outage.fault-spec.ts runs a real outage), so the crash
 * is played here by a stand-in for the kafkajs consumer: its CRASH event with `restart: false`.
 */
class StandInConsumer extends EventEmitter {
  readonly events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' };
  connects = 0;
  runs = 0;
  disconnects = 0;
  failConnects = 0;
  async connect(): Promise<void> {
    this.connects++;
    if (this.failConnects > 0) {
      this.failConnects--;
      throw new Error('Connection error: connect ECONNREFUSED');
    }
  }
  async subscribe(): Promise<void> {}
  async run(): Promise<void> {
    this.runs++;
  }
  async disconnect(): Promise<void> {
    this.disconnects++;
  }
  crash(restart: boolean): void {
    this.emit(this.events.CRASH, { payload: { error: new Error('Failed to find group coordinator'), restart } });
  }
  join(): void {
    this.emit(this.events.GROUP_JOIN, { payload: { groupId: 'g', memberAssignment: {} } });
  }
}

const silent = createLogger('test', { level: 'silent', destination: new Writable({ write: (_c, _e, d) => d() }) });

function consumerWithStandIn(stopSignal?: AbortSignal) {
  const standIn = new StandInConsumer();
  const kafka = { consumer: () => standIn } as unknown as Kafka;
  const producer = { connect: async () => undefined } as unknown as RecordProducer;
  const consumer = new BatchConsumer(
    kafka,
    producer,
    { groupId: 'g', topics: ['t'], handler: async () => ({ outputs: [] }), stopSignal },
    silent,
  );
  return { standIn, consumer };
}

describe('BatchConsumer start', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('tries again with growing waits until it runs, failed meanwhile', async () => {
    const { standIn, consumer } = consumerWithStandIn();
    standIn.failConnects = 2;
    let started = false;
    void consumer.start().then(() => (started = true));
    await jest.advanceTimersByTimeAsync(0);
    expect([standIn.connects, standIn.runs]).toEqual([1, 0]);
    expect(consumer.failure?.message).toMatch(/ECONNREFUSED/);
    await jest.advanceTimersByTimeAsync(1000);
    expect([standIn.connects, standIn.runs]).toEqual([2, 0]);
    await jest.advanceTimersByTimeAsync(1999);
    expect(standIn.runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect([standIn.connects, standIn.runs, started]).toEqual([3, 1, true]);
  });

  // The service's stop signal comes first (start-up waits give up on it), `stop` after.
  it.each([
    ['its consumers are stopped', (c: BatchConsumer) => c.stop()],
    ['the service starts stopping', (_c: BatchConsumer, stopping: AbortController) => stopping.abort()],
  ])('gives up at once when %s while it waits to try again, never running', async (_when, stop) => {
    const stopping = new AbortController();
    const { standIn, consumer } = consumerWithStandIn(stopping.signal);
    standIn.failConnects = 1;
    let started = false;
    void consumer.start().then(() => (started = true));
    await jest.advanceTimersByTimeAsync(0);
    await stop(consumer, stopping);
    await jest.advanceTimersByTimeAsync(0);
    expect(started).toBe(true);
    await jest.advanceTimersByTimeAsync(60_000);
    expect([standIn.connects, standIn.runs]).toEqual([1, 0]);
  });
});

describe('BatchConsumer after a crash kafkajs does not restart', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('connects and runs again after a wait, and is ready once it joined', async () => {
    const { standIn, consumer } = consumerWithStandIn();
    await consumer.start();
    expect([standIn.connects, standIn.runs]).toEqual([1, 1]);

    standIn.crash(false);
    expect(consumer.failure?.message).toBe('Failed to find group coordinator');
    await jest.advanceTimersByTimeAsync(999);
    expect(standIn.runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect([standIn.connects, standIn.runs]).toEqual([2, 2]);

    standIn.join();
    expect(consumer.failure).toBeUndefined();
  });

  it('leaves a crash kafkajs restarts to kafkajs', async () => {
    const { standIn, consumer } = consumerWithStandIn();
    await consumer.start();
    standIn.crash(true);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(standIn.runs).toBe(1);
    expect(consumer.failure).toBeDefined();
  });

  it('keeps trying with growing waits while the broker is away, and starts over after a join', async () => {
    const { standIn, consumer } = consumerWithStandIn();
    await consumer.start();
    standIn.failConnects = 3;
    standIn.crash(false);
    // Waits 1, 2, 4 s fail to connect; the fourth try, 8 s later, runs.
    await jest.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    expect([standIn.connects, standIn.runs]).toEqual([4, 1]);
    await jest.advanceTimersByTimeAsync(7999);
    expect(standIn.runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect([standIn.connects, standIn.runs]).toEqual([5, 2]);

    standIn.join();
    standIn.crash(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(standIn.runs).toBe(3);
  });

  it('a crash during the wait does not start a second rejoin', async () => {
    const { standIn, consumer } = consumerWithStandIn();
    await consumer.start();
    standIn.crash(false);
    standIn.crash(false);
    await jest.advanceTimersByTimeAsync(5000);
    expect(standIn.runs).toBe(2);
  });

  it('never rejoins once stopping', async () => {
    const { standIn, consumer } = consumerWithStandIn();
    await consumer.start();
    standIn.crash(false);
    await consumer.stop();
    standIn.crash(false);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(standIn.runs).toBe(1);
    expect(standIn.disconnects).toBe(1);
  });
});
