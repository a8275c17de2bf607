import type { Kafka } from 'kafkajs';

/**
 * Waits until `groupId` has committed, on every partition of `topics`, the end offset that
 * partition had when this was called: everything published before is handled (offsets are
 * committed after the handling). A view kept from topics (settings, opt-outs) is then complete
 * enough to read another input against. Returns the partitions still behind when `timeoutMs`
 * ran out or `stop` was aborted (the process is stopping), as `topic:partition`; empty when
 * caught up.
 */
export async function waitForCaughtUp(
  kafka: Kafka,
  groupId: string,
  topics: string[],
  timeoutMs: number,
  options: { pollMs?: number; stop?: AbortSignal } = {},
): Promise<string[]> {
  const { pollMs = 200, stop } = options;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        // An empty partition (or one compacted to nothing) has nothing to wait for.
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const t of await admin.fetchOffsets({ groupId, topics })) {
        for (const p of t.partitions) {
          const end = ends.get(`${t.topic}:${p.partition}`);
          if (end !== undefined && BigInt(p.offset) >= end) ends.delete(`${t.topic}:${p.partition}`);
        }
      }
      if (ends.size === 0 || Date.now() >= deadline || stop?.aborted) return [...ends.keys()];
      await pause(pollMs, stop);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Sleeps `ms`, or less when `stop` is aborted meanwhile. */
function pause(ms: number, stop: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop?.addEventListener('abort', done, { once: true });
  });
}
