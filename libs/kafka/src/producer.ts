import { CompressionTypes, Kafka, Partitioners, Producer, TopicMessages } from 'kafkajs';
import type { Metrics } from '@lib/observability';
import type { OutgoingRecord } from './records';

/** A merged request stops growing past this many value bytes (the broker's default limit is 1 MB a batch). */
const MERGE_BYTES = 1024 * 1024;

interface Waiting {
  records: OutgoingRecord[];
  bytes: number;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * One idempotent producer per process. `send` resolves only when every record is
 * acknowledged by all in-sync replicas, which is what lets consumers commit after it.
 *
 * One request is in flight at a time (per-key order); sends that arrive meanwhile wait and
 * then leave together as one request, instead of one round trip each. A merged request that
 * fails is tried again send by send, so one caller's bad record fails only that caller.
 */
export class RecordProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;
  private readonly waiting: Waiting[] = [];
  private flushing = false;

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

  send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    let bytes = 0;
    for (const r of records) bytes += r.value === null ? 0 : r.value.length;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ records, bytes, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        let taken = 1;
        let bytes = this.waiting[0].bytes;
        while (taken < this.waiting.length && bytes + this.waiting[taken].bytes <= MERGE_BYTES)
          bytes += this.waiting[taken++].bytes;
        const group = this.waiting.splice(0, taken);
        try {
          await this.sendNow(group.length === 1 ? group[0].records : group.flatMap((w) => w.records));
          for (const w of group) w.resolve();
        } catch (e) {
          if (group.length === 1) group[0].reject(e);
          else
            for (const w of group) {
              await this.sendNow(w.records).then(w.resolve, w.reject);
            }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async sendNow(records: OutgoingRecord[]): Promise<void> {
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
