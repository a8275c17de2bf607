import type { Admin, Kafka } from 'kafkajs';

/**
 * Waits until `groupId` has committed, on every partition of `topics`, the end offset that
 * partition had when this was called: everything published before is handled (offsets are
 * committed after the handling). A view kept from topics (settings, opt-outs) is then complete
 * enough to read another input against. Returns the partitions still behind when `timeoutMs`
 * ran out or `stop` was aborted (the process is stopping), as `topic:partition` (`topic:*`
 * when the broker never answered); empty when caught up. A broker away meanwhile is waited out
 * within the same time; `onError` sees each failed try.
 */
export async function waitForCaughtUp(
  kafka: Kafka,
  groupId: string,
  topics: string[],
  timeoutMs: number,
  options: { pollMs?: number; stop?: AbortSignal; onError?: (error: unknown) => void } = {},
): Promise<string[]> {
  const { pollMs = 200, stop, onError } = options;
  const deadline = Date.now() + timeoutMs;
  const admin = kafka.admin();
  // The ends are taken once, at the first try that reaches the broker.
  let ends: Map<string, bigint> | undefined;
  try {
    for (;;) {
      // A broker away for a moment is waited out like a group behind, within the same time.
      try {
        await admin.connect();
        ends ??= await endOffsets(admin, topics);
        for (const t of await admin.fetchOffsets({ groupId, topics })) {
          for (const p of t.partitions) {
            const end = ends.get(`${t.topic}:${p.partition}`);
            if (end !== undefined && BigInt(p.offset) >= end) ends.delete(`${t.topic}:${p.partition}`);
          }
        }
        if (ends.size === 0) return [];
      } catch (e) {
        onError?.(e);
      }
      if (Date.now() >= deadline || stop?.aborted) return ends ? [...ends.keys()] : topics.map((t) => `${t}:*`);
      await pause(pollMs, stop);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Per `topic:partition`, the end offset now; empty partitions (or compacted to nothing) left out. */
async function endOffsets(admin: Admin, topics: string[]): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>();
  for (const topic of topics)
    for (const p of await admin.fetchTopicOffsets(topic))
      if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
  return ends;
}

/** Sleeps `ms`, or less when `stop` is aborted meanwhile. */
export function pause(ms: number, stop: AbortSignal | undefined): Promise<void> {
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
