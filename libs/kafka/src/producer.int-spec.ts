import { createLogger } from '@lib/observability';
import { Writable } from 'node:stream';
import { createTopics, readTopic, testKafka, uniquePrefix } from '../../../test/support/kafka';
import { createKafka } from './client';
import { RecordProducer } from './producer';

const silent = createLogger('test', {
  level: 'warn',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

describe('RecordProducer against the real broker', () => {
  const kafka = testKafka();
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const producer = new RecordProducer(createKafka({ brokers, clientId: 'int-test-producer' }, silent));

  afterAll(() => producer.disconnect());

  it('sends made while one is in flight leave together, in call order per key, each acknowledged', async () => {
    const topic = `${uniquePrefix('merge')}out`;
    await createTopics(kafka, [topic]);
    const sends = Array.from({ length: 20 }, (_, s) =>
      producer.send(Array.from({ length: 50 }, (_, i) => ({ topic, key: `k${i % 5}`, value: String(s * 50 + i) }))),
    );
    await Promise.all(sends);
    const out = await readTopic(kafka, topic, 1000);
    expect(out).toHaveLength(1000);
    for (let k = 0; k < 5; k++) {
      const values = out.filter((r) => r.key === `k${k}`).map((r) => Number(r.value));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });

  it('a send that cannot be acknowledged fails alone; the sends merged with it still go through', async () => {
    const prefix = uniquePrefix('merge-fail');
    const good = `${prefix}good`;
    await createTopics(kafka, [good]);
    const first = producer.send([{ topic: good, key: 'a', value: '0' }]);
    const results = await Promise.allSettled([
      first,
      producer.send([{ topic: good, key: 'a', value: '1' }]),
      producer.send([{ topic: `${prefix}missing`, key: 'a', value: 'x' }]),
      producer.send([{ topic: good, key: 'a', value: '2' }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const out = await readTopic(kafka, good, 3);
    expect(out.map((r) => r.value)).toEqual(['0', '1', '2']);
  }, 60_000);
});
