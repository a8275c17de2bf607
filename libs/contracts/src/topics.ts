/**
 * Topic names of the wire contracts (v1). Every name can carry a common prefix
 * (TOPIC_PREFIX) so several environments, or several test files, share one cluster.
 */
export const TOPIC = {
  cartEventsRaw: 'cart-events-raw',
  cartEvents: 'cart-events',
  storeSettings: 'store-settings',
  sendDue: 'send-due',
  messageOutcomes: 'message-outcomes',
} as const;

export type TopicKey = keyof typeof TOPIC;
export type TopicName = (typeof TOPIC)[TopicKey];

/** The dead-letter topic of a topic: same name with `-dlq`. */
export function dlqTopicOf(topic: string): string {
  return `${topic}-dlq`;
}

/** A topic's full name with the environment's prefix. */
export function prefixedTopic(prefix: string, topic: string): string {
  return `${prefix}${topic}`;
}

/** Topics that are log-compacted: only the latest record per key matters. */
export const COMPACTED_TOPICS: readonly TopicName[] = [TOPIC.storeSettings];

/**
 * Largest record `cart-events-raw` and its DLQ accept (the broker's default is ~1 MiB). Above
 * MAX_RECORD_BYTES so an oversize event still reaches ingest and is dead-lettered, original
 * bytes unchanged, with the reason `too-large`, instead of being refused to the platform's
 * producer with no trace on our side.
 */
export const RAW_TOPIC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface TopicSpec {
  name: string;
  /**
   * Topic-level configuration to create it with (cleanup.policy, max.message.bytes, and
   * min.insync.replicas on a cluster).
   */
  config: Record<string, string>;
  /** Replicas of each partition: 1 on one broker, 3 on a cluster of three or more. */
  replicationFactor: number;
}

export interface TopicReplication {
  replicationFactor: number;
  /** Replicas that must have a record before an acks=all write succeeds. */
  minInSyncReplicas: number;
}

/**
 * How the topics are replicated on a cluster of `brokers` brokers: one broker 1/1, two 2/1,
 * three or more 3/2 (a write survives one broker down, and acks=all still refuses to be
 * acknowledged by a lone replica).
 */
export function topicReplication(brokers = 1): TopicReplication {
  if (!Number.isInteger(brokers) || brokers < 1) throw new Error(`brokers must be a positive integer, got ${brokers}`);
  if (brokers >= 3) return { replicationFactor: 3, minInSyncReplicas: 2 };
  return { replicationFactor: brokers, minInSyncReplicas: 1 };
}

export interface TopicLayoutOptions {
  /** Brokers of the cluster the topics are created on; default 1. */
  brokers?: number;
}

/**
 * Every topic the product uses, with its dead-letter topic, in creation order, replicated
 * for a cluster of `brokers` brokers (`topicReplication`). `min.insync.replicas` is written
 * into the configuration when it differs from the broker's default (1), so a one-broker
 * topic's configuration is exactly what it was before replication became part of the contract.
 * The local stack, docker-compose and the tests create exactly these.
 */
export function allTopics(prefix = '', options: TopicLayoutOptions = {}): TopicSpec[] {
  const { replicationFactor, minInSyncReplicas } = topicReplication(options.brokers ?? 1);
  const replicated: Record<string, string> =
    minInSyncReplicas > 1 ? { 'min.insync.replicas': String(minInSyncReplicas) } : {};
  const out: TopicSpec[] = [];
  for (const topic of Object.values(TOPIC)) {
    // A DLQ keeps the records it takes as they were: same size limit, never compacted.
    const large: Record<string, string> =
      topic === TOPIC.cartEventsRaw ? { 'max.message.bytes': String(RAW_TOPIC_MAX_MESSAGE_BYTES) } : {};
    const compacted: Record<string, string> = COMPACTED_TOPICS.includes(topic) ? { 'cleanup.policy': 'compact' } : {};
    out.push({
      name: prefixedTopic(prefix, topic),
      config: { ...compacted, ...large, ...replicated },
      replicationFactor,
    });
    out.push({
      name: prefixedTopic(prefix, dlqTopicOf(topic)),
      config: { ...large, ...replicated },
      replicationFactor,
    });
  }
  return out;
}

/** Headers written on every dead-letter record (contracts: `<topic>-dlq`). */
export const DLQ_HEADER = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
} as const;
