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
  erasureRequests: 'erasure-requests',
  erasureCompletions: 'erasure-completions',
  recoveryLinks: 'recovery-links',
  linkClicks: 'link-clicks',
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

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How many days each topic that is not compacted keeps its records (`retention.ms`). A
 * consumer reads a record within seconds and keeps what it needs in PostgreSQL, so a topic's
 * retention is how long a consumer may be down, or how far back a replay can go, before
 * records are lost. Why each figure (docs/data-lifecycle.md, "Topic retention"):
 * - cart events, raw and validated: 22 days. A cart can wait up to 24 h to be abandoned
 *   (`abandonAfterMinutes` ≤ 1440) and then up to 14 days for an opening (`maxDeferralHours`
 *   ≤ 336); a replay of that span rebuilds every cart still waiting (e.g. the scheduler's
 *   database restored from a backup), with 7 days more to notice an outage and recover.
 * - send-due and message-outcomes: 7 days. Each record is acted on once (the sender stores a
 *   deferred message, the scheduler moves a hold) and a send-due record is stale after its
 *   `notAfter` (72 h after detection by default); 7 days cover a consumer down over a long
 *   weekend and its repair.
 * - erasure requests and completions: 30 days. A service down for a while must still erase
 *   when it is back (GDPR gives a month to answer), and ingest keeps each request's state in
 *   PostgreSQL, so the topics are never the record of an erasure.
 * - recovery links: 30 days, as long as a link lives (ingest keeps each link in PostgreSQL
 *   once read; a replay of the topic rebuilds every link still live).
 * - link clicks: 7 days, as message-outcomes (the scheduler keeps them in its stats).
 * - dead-letter topics: 30 days, so an operator can find the cause, fix it and replay them
 *   (docs/operations.md) even when the alert is read late.
 * `store-settings` is compacted: the latest settings of every store stay, whatever their age.
 */
export const TOPIC_RETENTION_DAYS: Readonly<Record<Exclude<TopicName, (typeof COMPACTED_TOPICS)[number]>, number>> = {
  [TOPIC.cartEventsRaw]: 22,
  [TOPIC.cartEvents]: 22,
  [TOPIC.sendDue]: 7,
  [TOPIC.messageOutcomes]: 7,
  [TOPIC.erasureRequests]: 30,
  [TOPIC.erasureCompletions]: 30,
  [TOPIC.recoveryLinks]: 30,
  [TOPIC.linkClicks]: 7,
};

/** Days a dead-letter topic keeps its records (`TOPIC_RETENTION_DAYS` says why). */
export const DLQ_RETENTION_DAYS = 30;

/** The `cleanup.policy` and `retention.ms` a topic is created with (its DLQ when `dlq`). */
function retentionConfig(topic: TopicName, dlq: boolean): Record<string, string> {
  if (dlq) return { 'cleanup.policy': 'delete', 'retention.ms': String(DLQ_RETENTION_DAYS * DAY_MS) };
  if (COMPACTED_TOPICS.includes(topic)) return { 'cleanup.policy': 'compact' };
  const days = TOPIC_RETENTION_DAYS[topic as keyof typeof TOPIC_RETENTION_DAYS];
  return { 'cleanup.policy': 'delete', 'retention.ms': String(days * DAY_MS) };
}

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
   * Topic-level configuration to create it with (cleanup.policy, retention.ms,
   * max.message.bytes, and min.insync.replicas on a cluster).
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
 * Every topic says its `cleanup.policy` and, unless compacted, its `retention.ms`
 * (`TOPIC_RETENTION_DAYS`, `DLQ_RETENTION_DAYS`), so a broker's own defaults never decide them.
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
    out.push({
      name: prefixedTopic(prefix, topic),
      config: { ...retentionConfig(topic, false), ...large, ...replicated },
      replicationFactor,
    });
    out.push({
      name: prefixedTopic(prefix, dlqTopicOf(topic)),
      config: { ...retentionConfig(topic, true), ...large, ...replicated },
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
