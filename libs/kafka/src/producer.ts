import { CompressionTypes, Kafka, Partitioners, Producer, TopicMessages } from 'kafkajs';
import type { Metrics } from '@lib/observability';
import type { OutgoingRecord } from './records';

/**
 * One idempotent producer per process. `send` resolves only when every record is
 * acknowledged by all in-sync replicas, which is what lets consumers commit after it.
 */
export class RecordProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly metrics?: Metrics,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1, // keeps per-key order across retries
      // Java's murmur2 partitioner: the same key lands on the same partition from any client.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  }

  connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((e) => {
      this.connected = undefined;
      throw e;
    });
    return this.connected;
  }

  async send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.connect();
    const byTopic = new Map<string, TopicMessages>();
    for (const r of records) {
      let group = byTopic.get(r.topic);
      if (!group) byTopic.set(r.topic, (group = { topic: r.topic, messages: [] }));
      group.messages.push({ key: r.key, value: r.value, headers: r.headers });
    }
    const topicMessages = [...byTopic.values()];
    await this.producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None });
    for (const t of topicMessages) this.metrics?.producedRecords.inc({ topic: t.topic }, t.messages.length);
  }

  async disconnect(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = undefined;
  }
}
