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
 * Every topic the product uses, with its dead-letter topic, in creation order.
 * The local stack, docker-compose and the tests create exactly these.
 */
export function allTopics(prefix = ''): Array<{ name: string; compacted: boolean }> {
  const out: Array<{ name: string; compacted: boolean }> = [];
  for (const topic of Object.values(TOPIC)) {
    out.push({ name: prefixedTopic(prefix, topic), compacted: COMPACTED_TOPICS.includes(topic) });
    out.push({ name: prefixedTopic(prefix, dlqTopicOf(topic)), compacted: false });
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
