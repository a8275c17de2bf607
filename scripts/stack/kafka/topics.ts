import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { KafkaSecurity } from '../../../libs/config/src/connections';
import { allTopics } from '../../../libs/contracts/src/topics';
import { sleep } from '../progress';
import { quietKafka, withAdmin } from './client';

export interface TopicAdminOptions {
  /** How to reach the brokers; default the environment's (KAFKA_SECURITY_PROTOCOL, …). */
  security?: KafkaSecurity;
  /**
   * Brokers the replication is planned for (`allTopics(prefix, { brokers })`: 1/1 on one,
   * replication 3 and min.insync.replicas 2 on three or more); default the cluster's own count.
   */
  brokers?: number;
}

async function brokerCount(admin: Admin, options: TopicAdminOptions): Promise<number> {
  return options.brokers ?? (await admin.describeCluster()).brokers.length;
}

/**
 * Creates every topic of the contracts (libs/contracts/src/topics.ts) under `prefix`, with
 * `partitions` partitions, the replication the contract gives for the cluster's size (one
 * replica on one broker; 3 and `min.insync.replicas=2` on three or more), and the topic
 * configuration the contract gives (`cleanup.policy` and `retention.ms` of every topic,
 * `max.message.bytes` of cart-events-raw). Existing topics keep their partitions (`alignTopicConfigs` fixes their configuration).
 * Resolves once every partition of the topics it created is served by its leader; returns
 * their names.
 */
export async function ensureTopics(
  brokers: string,
  prefix = '',
  partitions = 6,
  options: TopicAdminOptions = {},
): Promise<string[]> {
  return withAdmin(quietKafka(brokers, 5, options.security), async (admin) => {
    const wanted = allTopics(prefix, { brokers: await brokerCount(admin, options) });
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return [];
    // Resolves false (no throw) when another process created some of them meanwhile.
    await admin.createTopics({
      // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker
      // answers until its metadata cache has the new topic: waitUntilServed below instead.
      waitForLeaders: false,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: partitions,
        replicationFactor: t.replicationFactor,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
      })),
    });
    const names = missing.map((t) => t.name);
    await waitUntilServed(admin, names);
    return names;
  });
}

/**
 * Gives existing contract topics under `prefix` the configuration the contract names where
 * theirs differs (a topic created before the contract gave it one, e.g. cart-events-raw's
 * 4 MiB records or every topic's retention); returns the topics changed. The contract's
 * values win (an upgrade gets the retention); other dynamic settings an operator set
 * (segment.ms, …) are kept: AlterConfigs replaces a topic's whole dynamic set, so it is sent
 * back with them. Their replication factor is left as it is (a reassignment would be needed).
 */
export async function alignTopicConfigs(
  brokers: string,
  prefix = '',
  options: TopicAdminOptions = {},
): Promise<string[]> {
  return withAdmin(quietKafka(brokers, 5, options.security), async (admin) => {
    const existing = new Set(await admin.listTopics());
    const configured = allTopics(prefix, { brokers: await brokerCount(admin, options) }).filter(
      (t) => existing.has(t.name) && Object.keys(t.config).length > 0,
    );
    if (configured.length === 0) return [];
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: configured.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
    });
    const changed: string[] = [];
    for (const t of configured) {
      const entries = resources.find((r) => r.resourceName === t.name)?.configEntries ?? [];
      const current = new Map(entries.map((e) => [e.configName, e.configValue]));
      if (Object.entries(t.config).every(([name, value]) => current.get(name) === value)) continue;
      const dynamic = Object.fromEntries(
        entries.filter((e) => e.configSource === TOPIC_CONFIG_SOURCE).map((e) => [e.configName, e.configValue]),
      );
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: t.name,
            configEntries: Object.entries({ ...dynamic, ...t.config }).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      changed.push(t.name);
    }
    return changed;
  });
}

// DescribeConfigs' source of a value set on the topic itself (DYNAMIC_TOPIC_CONFIG).
const TOPIC_CONFIG_SOURCE = 1;

/**
 * Waits until every partition of `topics` has a leader that serves it. Right after a create,
 * a KRaft broker lists a topic in its metadata before its partitions are ready, answering
 * UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE or NOT_LEADER_OR_FOLLOWER meanwhile; a
 * producer that meets the last one retries and, unless idempotent, writes records twice.
 */
export async function waitForTopics(
  brokers: string,
  topics: string[],
  timeoutMs = 30_000,
  options: Pick<TopicAdminOptions, 'security'> = {},
): Promise<void> {
  await withAdmin(quietKafka(brokers, 5, options.security), (admin) => waitUntilServed(admin, topics, timeoutMs));
}

// kafkajs names NOT_LEADER_OR_FOLLOWER by its old name.
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);

async function waitUntilServed(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let problem: string;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const leaderless = metadata.topics.filter(
        (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
      );
      if (leaderless.length === 0) {
        // ListOffsets is answered by the partition's leader itself, not from metadata.
        for (const topic of topics) await admin.fetchTopicOffsets(topic);
        return;
      }
      problem = `no leader yet for ${leaderless.map((t) => t.name).join(', ')}`;
    } catch (error) {
      const type = errorType(error);
      if (!NOT_YET.has(type)) throw error;
      problem = type;
    }
    if (Date.now() > until) throw new Error(`topics not served after ${timeoutMs} ms: ${problem}`);
    await sleep(100);
  }
}

// kafkajs wraps the broker's error when its own retries run out.
function errorType(error: unknown): string {
  const e = error as { type?: string; originalError?: { type?: string } };
  return e.type ?? e.originalError?.type ?? '';
}
