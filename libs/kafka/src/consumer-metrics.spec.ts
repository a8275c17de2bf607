import { createMetrics } from '@lib/observability';
import { ConsumerMetrics } from './consumer-metrics';

async function series(metrics: ReturnType<typeof createMetrics>, name: string): Promise<string[]> {
  const text = await metrics.registry.getSingleMetricAsString(name);
  return text.split('\n').filter((line) => line && !line.startsWith('#'));
}

describe('ConsumerMetrics', () => {
  it('counts a committed batch and sets its partition lag from the high watermark', async () => {
    const metrics = createMetrics('test');
    const consumer = new ConsumerMetrics('g', metrics);
    consumer.committed({ topic: 't', partition: 1, handled: 4, handledUpTo: '9', highWatermark: '15', seconds: 0.2 });
    consumer.committed({ topic: 't', partition: 1, handled: 5, handledUpTo: '14', highWatermark: '15', seconds: 0.1 });
    const consumed = await series(metrics, 'kafka_consumed_records_total');
    expect(consumed.some((l) => l.includes('group="g"') && l.endsWith(' 9'))).toBe(true);
    const lag = await series(metrics, 'kafka_consumer_lag');
    expect(lag).toHaveLength(1);
    expect(lag[0]).toMatch(/partition="1".* 0$/);
  });

  it('forgets the lag of partitions no longer assigned to it, keeps the others', async () => {
    const metrics = createMetrics('test');
    const consumer = new ConsumerMetrics('g', metrics);
    for (const partition of [0, 1, 2]) {
      consumer.committed({ topic: 't', partition, handled: 1, handledUpTo: '0', highWatermark: '3', seconds: 0 });
    }
    consumer.forgetLagOfRevoked({ t: [1] });
    const lag = await series(metrics, 'kafka_consumer_lag');
    expect(lag).toHaveLength(1);
    expect(lag[0]).toMatch(/partition="1".* 2$/);
  });

  it('counts retries and dead letters by topic (and reason); without metrics it records nothing', async () => {
    const metrics = createMetrics('test');
    const consumer = new ConsumerMetrics('g', metrics);
    consumer.batchRetried('t');
    consumer.deadLettered('t', 'handler-error');
    expect(await series(metrics, 'kafka_batch_retries_total')).toEqual([expect.stringMatching(/topic="t".* 1$/)]);
    expect(await series(metrics, 'kafka_dead_letter_records_total')).toEqual([
      expect.stringMatching(/reason="handler-error".*topic="t".* 1$|topic="t".*reason="handler-error".* 1$/),
    ]);
    const none = new ConsumerMetrics('g', undefined);
    expect(() => {
      none.committed({ topic: 't', partition: 0, handled: 1, handledUpTo: '0', highWatermark: '1', seconds: 0 });
      none.batchRetried('t');
      none.forgetLagOfRevoked({});
    }).not.toThrow();
  });
});
