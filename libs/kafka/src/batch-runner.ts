import type { BatchContext, BatchHandler, BatchResult, ConsumedRecord, DeadLetter } from './records';

/**
 * The batch's retries and its split to the dead-letter topic, without Kafka: whatever the
 * handler returns goes through `acknowledge`, and an offset counts as handled only once its
 * outputs are acknowledged.
 */
export interface BatchRunnerParts {
  handler: BatchHandler;
  /** Produces the outputs and dead letters; false when given up (stopping), nothing is then handled. */
  acknowledge(result: BatchResult): Promise<boolean>;
  isTransient(error: unknown): boolean;
  /** Failed batch tries before the batch is split to find the record at fault. */
  triesBeforeSplit: number;
  /** Waits between tries (default: `sleepWithHeartbeat`). */
  sleep?: (ms: number, ctx: BatchContext) => Promise<void>;
  /** The wait before try `attempt + 1` (default: `backoffMs`). */
  backoffMs?: (attempt: number) => number;
  /** A try of the whole batch failed. */
  onBatchFailed?: (
    failure: { error: unknown; attempt: number; transient: boolean; records: number },
    ctx: BatchContext,
  ) => void;
  /** A record went to the dead-letter topic (its dead letter acknowledged). */
  onDeadLettered?: (record: ConsumedRecord, error: unknown) => void;
}

const MAX_BACKOFF_MS = 15_000;

/**
 * Handles `records` until done or stopping. A transient error retries the batch with backoff
 * for as long as it takes; any other error retries `triesBeforeSplit` times, then the batch is
 * handled one record at a time and the record that still fails goes to the dead-letter topic
 * (`handler-error`), its neighbours still handled. Returns the last offset handled and
 * acknowledged (what may be committed), or undefined when stopping first.
 */
export async function runBatch(
  records: ConsumedRecord[],
  ctx: BatchContext,
  parts: BatchRunnerParts,
): Promise<string | undefined> {
  const sleep = parts.sleep ?? sleepWithHeartbeat;
  const backoff = parts.backoffMs ?? backoffMs;
  for (let attempt = 1; !ctx.isStopping(); attempt++) {
    try {
      const result = await parts.handler(records, ctx);
      if (!(await parts.acknowledge(result))) return undefined;
      return result.handledUpTo ?? records[records.length - 1].offset;
    } catch (error) {
      const transient = parts.isTransient(error);
      parts.onBatchFailed?.({ error, attempt, transient, records: records.length }, ctx);
      if (!transient && attempt >= parts.triesBeforeSplit) return runOneByOne(records, ctx, parts, sleep, backoff);
      await sleep(backoff(attempt), ctx);
    }
  }
  return undefined;
}

/** One record at a time: the one that fails twice for its own fault is dead-lettered. */
async function runOneByOne(
  records: ConsumedRecord[],
  ctx: BatchContext,
  parts: BatchRunnerParts,
  sleep: NonNullable<BatchRunnerParts['sleep']>,
  backoff: NonNullable<BatchRunnerParts['backoffMs']>,
): Promise<string | undefined> {
  let last: string | undefined;
  for (const record of records) {
    let attempt = 1;
    for (;;) {
      if (ctx.isStopping()) return last;
      try {
        const result = await parts.handler([record], ctx);
        if (!(await parts.acknowledge(result))) return last;
        break;
      } catch (error) {
        if (parts.isTransient(error) || attempt < 2) {
          await sleep(backoff(attempt++), ctx);
          continue;
        }
        const deadLetter: DeadLetter = {
          record,
          reason: 'handler-error',
          error: String((error as Error)?.message ?? error),
        };
        if (!(await parts.acknowledge({ deadLetters: [deadLetter] }))) return last;
        parts.onDeadLettered?.(record, error);
        break;
      }
    }
    last = record.offset;
  }
  return last;
}

/** 200 ms doubling to 15 s, each wait between half and all of it: instances do not retry in step. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 200 * 2 ** (attempt - 1));
  return base / 2 + random() * (base / 2);
}

/** Sleeps `ms`, heartbeating every second so the group keeps the partition; cut short when stopping. */
export async function sleepWithHeartbeat(ms: number, ctx: BatchContext): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !ctx.isStopping()) {
    await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
    await ctx.heartbeat().catch(() => undefined);
  }
}
