import type { Metrics } from '@lib/observability';

/** A batch committed: how many of its records were handled, up to which offset, and how long it took. */
export interface CommittedBatch {
  topic: string;
  partition: number;
  handled: number;
  handledUpTo: string;
  highWatermark: string;
  seconds: number;
}

/**
 * A consumer group's series: records consumed, batch sizes and handling time, lag per
 * partition, retries and dead letters. Without `metrics` (tests, tools) it records nothing.
 */
export class ConsumerMetrics {
  /** "topic\0partition" of the lag series this consumer has set. */
  private readonly lagReported = new Set<string>();

  constructor(
    private readonly group: string,
    private readonly metrics: Metrics | undefined,
  ) {}

  committed(batch: CommittedBatch): void {
    const { group } = this;
    this.metrics?.consumedRecords.inc({ group, topic: batch.topic }, batch.handled);
    this.metrics?.batchSize.observe({ topic: batch.topic }, batch.handled);
    this.metrics?.consumerLag.set(
      { group, topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(batch.handledUpTo) - 1n)),
    );
    this.lagReported.add(`${batch.topic}\u0000${batch.partition}`);
    this.metrics?.handlerSeconds.observe({ topic: batch.topic }, batch.seconds);
  }

  batchRetried(topic: string): void {
    this.metrics?.batchRetries.inc({ topic });
  }

  deadLettered(topic: string, reason: string): void {
    this.metrics?.deadLetters.inc({ topic, reason });
  }

  /**
   * A partition another member owns now reports its lag from there: this instance's last value
   * would stay behind, and a sum over the group count it twice.
   */
  forgetLagOfRevoked(assignment: Record<string, number[]>): void {
    for (const key of [...this.lagReported]) {
      const [topic, partition] = key.split('\u0000');
      if (assignment[topic]?.includes(Number(partition))) continue;
      this.metrics?.consumerLag.remove({ group: this.group, topic, partition });
      this.lagReported.delete(key);
    }
  }
}
