import { allTopics } from '../../../libs/contracts/src/topics';
import { quietKafka, withAdmin } from './client';

/**
 * Creates every topic of the contracts (libs/contracts/src/topics.ts) under `prefix`, with
 * `partitions` partitions, one replica, and `cleanup.policy=compact` where the contract says
 * so. Existing topics are left as they are. Returns the names it created.
 */
export async function ensureTopics(brokers: string, prefix = '', partitions = 6): Promise<string[]> {
  const wanted = allTopics(prefix);
  return withAdmin(quietKafka(brokers), async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return [];
    // Resolves false (no throw) when another process created some of them meanwhile.
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
    return missing.map((t) => t.name);
  });
}
