import { DLQ_HEADER } from '@lib/contracts';
import { createLogger, createMetrics } from '@lib/observability';
import { Writable } from 'node:stream';
import {
  committedVsEnd,
  createTopics,
  eventually,
  readTopic,
  testKafka,
  uniquePrefix,
} from '../../../test/support/kafka';
import { BatchConsumer } from './batch-consumer';
import { waitForCaughtUp } from './catch-up';
import { createKafka } from './client';
import { RecordProducer } from './producer';
import type { BatchHandler } from './records';

const silent = createLogger('test', {
  level: 'warn',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

describe('BatchConsumer against the real broker', () => {
  const kafka = testKafka();
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const lib = createKafka({ brokers, clientId: 'int-test' }, silent);
  const producer = new RecordProducer(lib);
  const consumers: BatchConsumer[] = [];

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await producer.disconnect();
  });

  async function setup(label: string) {
    const prefix = uniquePrefix(label);
    const topics = { input: `${prefix}in`, output: `${prefix}out`, dlq: `${prefix}in-dlq` };
    await createTopics(kafka, Object.values(topics));
    return { ...topics, groupId: `${prefix}group` };
  }

  it('routes a poison record to the DLQ with its headers, passes the rest on, and commits past both', async () => {
    const t = await setup('poison');
    await producer.send([
      { topic: t.input, key: 'store:1', value: '{"n":1}' },
      { topic: t.input, key: 'store:1', value: '{not json', headers: { source: 'shopify' } },
      { topic: t.input, key: 'store:1', value: '{"n":2}' },
    ]);
    const handler: BatchHandler = async (records) => {
      const outputs = [];
      const deadLetters = [];
      for (const record of records) {
        try {
          const n = JSON.parse(record.value!.toString()).n as number;
          outputs.push({ topic: t.output, key: record.key!.toString(), value: JSON.stringify({ doubled: n * 2 }) });
        } catch (e) {
          deadLetters.push({ record, reason: 'not-json' as const, error: (e as Error).message });
        }
      }
      return { outputs, deadLetters };
    };
    const consumer = new BatchConsumer(
      lib,
      producer,
      { groupId: t.groupId, topics: [t.input], handler },
      silent,
      createMetrics('t1'),
    );
    consumers.push(consumer);
    await consumer.start();

    const out = await readTopic(kafka, t.output, 2);
    expect(out.map((r) => JSON.parse(r.value!).doubled)).toEqual([2, 4]);
    const [dead] = await readTopic(kafka, t.dlq, 1);
    expect(dead.key).toBe('store:1');
    expect(dead.value).toBe('{not json');
    expect(dead.headers[DLQ_HEADER.reason]).toBe('not-json');
    expect(dead.headers[DLQ_HEADER.error]).toMatch(/JSON/);
    expect(dead.headers[DLQ_HEADER.sourceTopic]).toBe(t.input);
    expect(dead.headers[DLQ_HEADER.sourceOffset]).toBe('1');
    expect(dead.headers[DLQ_HEADER.sourcePartition]).toMatch(/^\d+$/);
    expect(dead.headers.source).toBe('shopify');

    const offsets = await eventually(
      () => committedVsEnd(kafka, t.groupId, t.input),
      (o) => o.committed === o.end,
    );
    expect(offsets).toEqual({ committed: 3, end: 3 });
  });

  it('a record that makes the handler throw is isolated and dead-lettered; its neighbours still go through', async () => {
    const t = await setup('throws');
    await producer.send(['a', 'boom', 'b'].map((v) => ({ topic: t.input, key: 'k', value: v })));
    const seen: string[] = [];
    const handler: BatchHandler = async (records) => {
      const outputs = records.map((r) => {
        if (r.value!.toString() === 'boom') throw new TypeError('cannot handle boom');
        return { topic: t.output, key: 'k', value: r.value!.toString().toUpperCase() };
      });
      seen.push(...records.map((r) => r.value!.toString()));
      return { outputs };
    };
    const consumer = new BatchConsumer(
      lib,
      producer,
      { groupId: t.groupId, topics: [t.input], handler, triesBeforeSplit: 2 },
      silent,
    );
    consumers.push(consumer);
    await consumer.start();

    const out = await readTopic(kafka, t.output, 2);
    expect(out.map((r) => r.value)).toEqual(['A', 'B']);
    const [dead] = await readTopic(kafka, t.dlq, 1);
    expect(dead.value).toBe('boom');
    expect(dead.headers[DLQ_HEADER.reason]).toBe('handler-error');
    expect(dead.headers[DLQ_HEADER.error]).toBe('cannot handle boom');
    const offsets = await eventually(
      () => committedVsEnd(kafka, t.groupId, t.input),
      (o) => o.committed === o.end,
    );
    expect(offsets.committed).toBe(3);
  });

  it('fetching ahead keeps each key in order, loses nothing, and commits to the end; a stop mid-stream leaves no gap', async () => {
    const t = await setup('ahead');
    const n = 3000;
    const input = Array.from({ length: n }, (_, i) => ({ topic: t.input, key: `k${i % 30}`, value: String(i) }));
    for (let i = 0; i < n; i += 500) await producer.send(input.slice(i, i + 500));
    const handler: BatchHandler = async (records) => {
      await new Promise((r) => setTimeout(r, 5)); // decisions take a while: fetches overlap them
      return { outputs: records.map((r) => ({ topic: t.output, key: r.key!.toString(), value: r.value! })) };
    };
    const options = {
      groupId: t.groupId,
      topics: [t.input],
      handler,
      maxBytesPerPartition: 2048, // many small rounds
      fetchAheadRecords: 200,
    };
    const first = new BatchConsumer(lib, producer, options, silent);
    await first.start();
    const atStop = await eventually(
      () => committedVsEnd(kafka, t.groupId, t.input),
      (o) => o.committed > 0,
    );
    await first.stop(); // mid-stream: what was handed on and not acknowledged is read again
    const second = new BatchConsumer(lib, producer, options, silent);
    consumers.push(second);
    await second.start();

    const offsets = await eventually(
      () => committedVsEnd(kafka, t.groupId, t.input),
      (o) => o.committed === o.end,
      40_000,
    );
    expect(offsets).toEqual({ committed: n, end: n });
    expect(atStop.committed).toBeLessThan(n); // the stop did fall mid-stream
    const admin = kafka.admin();
    await admin.connect();
    const produced = (await admin.fetchTopicOffsets(t.output)).reduce((sum, p) => sum + Number(p.high), 0);
    await admin.disconnect();
    const out = await readTopic(kafka, t.output, produced);
    const seen = new Set(out.map((r) => Number(r.value)));
    expect(seen.size).toBe(n); // duplicates allowed after the stop, gaps not
    // Per key, the first time each value appears follows the input order.
    const firstSeen = new Map<string, number[]>();
    const counted = new Set<number>();
    for (const r of out) {
      const v = Number(r.value);
      if (counted.has(v)) continue;
      counted.add(v);
      firstSeen.set(r.key!, [...(firstSeen.get(r.key!) ?? []), v]);
    }
    for (const values of firstSeen.values()) expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it('waitForCaughtUp returns once everything published before the call is handled, and names what is behind on a timeout', async () => {
    const t = await setup('catchup');
    const n = 600;
    for (let i = 0; i < n; i += 200) {
      await producer.send(
        Array.from({ length: 200 }, (_, j) => ({ topic: t.input, key: `k${(i + j) % 12}`, value: String(i + j) })),
      );
    }
    const handled = new Set<string>();
    const handler: BatchHandler = async (records) => {
      await new Promise((r) => setTimeout(r, 30)); // a view that takes a while to write
      for (const r of records) handled.add(r.value!.toString());
      return {};
    };
    // Nothing consumes yet: a short wait times out naming partitions behind.
    const behind = await waitForCaughtUp(lib, t.groupId, [t.input], 300, { pollMs: 50 });
    expect(behind.length).toBeGreaterThan(0);
    expect(behind.every((p) => p.startsWith(`${t.input}:`))).toBe(true);

    const consumer = new BatchConsumer(
      lib,
      producer,
      { groupId: t.groupId, topics: [t.input], handler, maxBytesPerPartition: 1024 },
      silent,
    );
    consumers.push(consumer);
    await consumer.start();
    expect(await waitForCaughtUp(lib, t.groupId, [t.input], 60_000, { pollMs: 50 })).toEqual([]);
    expect(handled.size).toBe(n);
    // An empty topic is caught up at once, whatever the group.
    const empty = await setup('catchup-empty');
    expect(await waitForCaughtUp(lib, `${empty.groupId}-never`, [empty.input], 0)).toEqual([]);
  });

  it('waitForCaughtUp gives up at once when its stop signal is aborted (a service stopping during its start)', async () => {
    const t = await setup('catchup-stop');
    await producer.send([{ topic: t.input, key: 'k', value: 'never handled' }]);
    const stop = new AbortController();
    const started = Date.now();
    setTimeout(() => stop.abort(), 300);
    // Nothing consumes: only the abort can end this wait before its minute.
    const behind = await waitForCaughtUp(lib, t.groupId, [t.input], 60_000, { pollMs: 10_000, stop: stop.signal });
    expect(behind).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a stop gives up an acknowledgement that cannot come after its grace time, committing nothing', async () => {
    const t = await setup('noack-stop');
    await producer.send([{ topic: t.input, key: 'k', value: 'x' }]);
    let handled = 0;
    const handler: BatchHandler = async () => {
      handled++;
      return { outputs: [{ topic: `${t.output}-never`, key: 'k', value: 'y' }] };
    };
    const consumer = new BatchConsumer(
      lib,
      producer,
      { groupId: t.groupId, topics: [t.input], handler, ackGraceOnStopMs: 1000 },
      silent,
    );
    await consumer.start();
    await eventually(
      async () => handled,
      (n) => n > 0,
      30_000,
    );
    const asked = Date.now();
    await consumer.stop();
    // The producer alone would keep retrying for far longer than the grace time.
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect((await committedVsEnd(kafka, t.groupId, t.input)).committed).toBe(0);
  });

  it('commits nothing while outputs cannot be acknowledged (the output topic does not exist yet)', async () => {
    const t = await setup('noack');
    const missing = `${t.output}-later`;
    await producer.send([{ topic: t.input, key: 'k', value: 'x' }]);
    const handler: BatchHandler = async () => ({ outputs: [{ topic: missing, key: 'k', value: 'y' }] });
    const consumer = new BatchConsumer(lib, producer, { groupId: t.groupId, topics: [t.input], handler }, silent);
    consumers.push(consumer);
    await consumer.start();
    await new Promise((r) => setTimeout(r, 3000));
    expect((await committedVsEnd(kafka, t.groupId, t.input)).committed).toBe(0);

    await createTopics(kafka, [missing]); // the output becomes writable: the batch goes through
    const [late] = await readTopic(kafka, missing, 1, 40_000);
    expect(late.value).toBe('y');
    const offsets = await eventually(
      () => committedVsEnd(kafka, t.groupId, t.input),
      (o) => o.committed === o.end,
      30_000,
    );
    expect(offsets.committed).toBe(1);
  });
});
