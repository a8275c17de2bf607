import { CompressionTypes, Kafka, Partitioners, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import type { Metrics } from '@lib/observability';
import type { OutgoingRecord } from './records';
import { TransientError } from './transient-error';

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
 *
 * After a failed request the kafkajs producer is replaced (a new producer id) before the next
 * one. kafkajs takes a failed request's sequence numbers back even when the broker wrote it
 * (the leader crashed or the connection was cut before the answer, a timeout): the next
 * request of other records with the same sequence numbers would be taken by the broker for a
 * duplicate of that one and acknowledged without being written. Records of a failed request
 * that the broker did write come again from the retry, as a harmless duplicate.
 *
 * A request is acknowledged only when every partition it wrote to answered. kafkajs 2.2.4
 * retries a request broker by broker and keeps the answers of the brokers that answered; a
 * partition whose leader moved meanwhile (its broker died) to one of those brokers is never
 * sent again, yet sendBatch resolves. Such a request fails here (`UnansweredPartitions`,
 * transient) and is sent again whole. Under leaders moving on a 3-node cluster (controlled
 * shutdowns, SIGKILLs, restarts) a plain kafkajs producer acknowledged 33 of 68,328 records
 * that were never written and stayed refused (out-of-order sequence) for 20 s after a failed
 * request, while this one lost none of 233,880; the replicated-cluster fault test had lost
 * webhooks answered 200 and send-due records of carts marked emitted before.
 */
export class RecordProducer {
  private producer: Producer;
  private connected: Promise<void> | undefined;
  /** The last request failed: a new kafkajs producer (fresh sequence numbers) before the next. */
  private failed = false;
  private readonly waiting: Waiting[] = [];
  private flushing = false;
  /** `topic:partition` the partitioner chose for the request in flight (one at a time). */
  private readonly chosen = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly metrics?: Metrics,
  ) {
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1, // keeps per-key order across retries
      // Java's murmur2 partitioner: the same key lands on the same partition from any client.
      // Its choices are noted, to check that each of those partitions answered.
      createPartitioner: () => {
        const partitioner = Partitioners.DefaultPartitioner();
        return (args) => {
          const partition = partitioner(args);
          this.chosen.add(`${args.topic}:${partition}`);
          return partition;
        };
      },
      allowAutoTopicCreation: false,
    });
  }

  /** Drops the kafkajs producer whose request failed; the next send connects a new one. */
  private async replace(): Promise<void> {
    const old = this.producer;
    const wasConnected = this.connected;
    this.producer = this.newProducer();
    this.connected = undefined;
    this.failed = false;
    if (wasConnected) await old.disconnect().catch(() => undefined);
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
    if (this.failed) await this.replace();
    await this.connect();
    const byTopic = new Map<string, TopicMessages>();
    for (const r of records) {
      let group = byTopic.get(r.topic);
      if (!group) byTopic.set(r.topic, (group = { topic: r.topic, messages: [] }));
      group.messages.push({ key: r.key, value: r.value, headers: r.headers });
    }
    const topicMessages = [...byTopic.values()];
    this.chosen.clear();
    let answers: RecordMetadata[];
    try {
      answers = await this.producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None });
    } catch (e) {
      this.failed = true;
      throw e;
    }
    const answered = new Set(answers.map((a) => `${a.topicName}:${a.partition}`));
    const unanswered = [...this.chosen].filter((tp) => !answered.has(tp));
    if (unanswered.length > 0) {
      this.failed = true;
      throw new UnansweredPartitions(unanswered);
    }
    for (const t of topicMessages) this.metrics?.producedRecords.inc({ topic: t.topic }, t.messages.length);
  }

  async disconnect(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = undefined;
  }
}

/** kafkajs resolved a request although some of its partitions never answered (see RecordProducer). */
export class UnansweredPartitions extends TransientError {
  constructor(readonly partitions: string[]) {
    super(`kafkajs acknowledged a request without an answer for ${partitions.join(', ')}: sent again`);
    this.name = 'UnansweredPartitions';
  }
}
