import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger, Metrics } from '@lib/observability';
import { pause } from './catch-up';
import { deadLetterRecord } from './dead-letter';
import { RecordProducer } from './producer';
import type { BatchHandler, BatchResult, ConsumedRecord, DeadLetter } from './records';
import { isTransientError } from './transient-error';

export interface BatchConsumerOptions {
  groupId: string;
  topics: string[];
  handler: BatchHandler;
  /** Partitions handled at once by this instance. */
  concurrency?: number;
  /** How long the broker may hold a fetch waiting for data: the idle latency floor. */
  maxWaitTimeMs?: number;
  /** Failed batch tries before the batch is split to find the record at fault. */
  triesBeforeSplit?: number;
  isTransient?: (error: unknown) => boolean;
  fromBeginning?: boolean;
  /** Fetch sizes (kafkajs defaults when unset: 1 MiB per partition, 10 MiB per fetch, 1 byte minimum). */
  maxBytesPerPartition?: number;
  maxBytes?: number;
  minBytes?: number;
  /**
   * Fetch ahead: kafkajs fetches the next round only once every batch of the last one is
   * handled, so handling and fetching never overlap. When set, a batch is handed on and the
   * next fetch starts at once; batches of a partition are still handled one after the other
   * and its offset is still committed only after the batch's outputs are acknowledged. The
   * fetch waits while more than this many records are handed on and not yet committed.
   * Unset (default): the batch is handled inside the fetch loop.
   */
  fetchAheadRecords?: number;
  /**
   * Once stopping, how long an acknowledgement still in flight is waited for (default 5 s). A
   * broker that answers acknowledges in milliseconds; one that does not (away, or the output
   * topic missing) would hold the stop for the client's whole retry time. Given up, the batch
   * is not committed and the next owner reads it again.
   */
  ackGraceOnStopMs?: number;
  /** Tries of a failing fetch or join before kafkajs gives up and crashes the consumer (default 10). */
  retries?: number;
  /** Aborted when the service starts stopping (before `stop` is called): a start still trying gives up. */
  stopSignal?: AbortSignal;
}

const MAX_BACKOFF_MS = 15_000;
/** Waits between tries to start, or to rejoin after a crash kafkajs does not restart: first, then at most. */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;
const ACK_GRACE_ON_STOP_MS = 5000;

/**
 * Consumes whole batches per partition. For each batch: the handler runs, its outputs and
 * dead letters are produced and acknowledged, and only then the offset is committed. A crash
 * anywhere before the commit means the batch is read again (duplicates, never a gap).
 *
 * Failures: a transient error (broker or database away) retries the batch with backoff for
 * as long as it takes. Any other error retries a few times, then the batch is handled one
 * record at a time so that the one record at fault goes to the dead-letter topic and the
 * partition moves on.
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private stopping = false;
  /** Aborted by `stop` or, earlier, by the service's stop signal: start-up tries and rejoins give up. */
  private readonly halt: AbortSignal;
  private readonly halted = new AbortController();
  /** Called once when `stop` is: acknowledgements in flight start their grace time. */
  private readonly onStop = new Set<() => void>();
  private crashed: Error | undefined;
  private rejoinTimer: NodeJS.Timeout | undefined;
  private rejoinWaitMs = RESTART_FIRST_MS;
  /** Fetch ahead: per partition, the last batch handed on (the next one chains behind it). */
  private readonly chains = new Map<string, Promise<void>>();
  /** Fetch ahead: bumped when a batch stopped short, so the batches queued behind it are dropped. */
  private readonly epochs = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private pendingRecords = 0;
  /** "topic\0partition" of the lag series this consumer has set. */
  private readonly lagReported = new Set<string>();

  constructor(
    kafka: Kafka,
    private readonly producer: RecordProducer,
    private readonly options: BatchConsumerOptions,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 250,
      ...(options.maxBytesPerPartition ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
      ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
      ...(options.minBytes ? { minBytes: options.minBytes } : {}),
      allowAutoTopicCreation: false,
      // A crash after `stop` (a join cut short by the disconnect) must not bring it back.
      retry: {
        retries: options.retries ?? 10,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        restartOnFailure: () => Promise.resolve(!this.stopping),
      },
    });
    this.halt = options.stopSignal ? AbortSignal.any([this.halted.signal, options.stopSignal]) : this.halted.signal;
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.crashed = payload.error;
      this.logger.error({ err: payload.error, restart: payload.restart, groupId: options.groupId }, 'consumer crashed');
      if (!payload.restart) this.rejoinLater();
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.crashed = undefined;
      this.rejoinWaitMs = RESTART_FIRST_MS;
      this.forgetLagOfRevoked(payload.memberAssignment);
      this.logger.info({ groupId: payload.groupId, assignment: payload.memberAssignment }, 'joined consumer group');
    });
  }

  /**
   * A partition another member owns now reports its lag from there: this instance's last value
   * would stay behind, and a sum over the group count it twice.
   */
  private forgetLagOfRevoked(assignment: Record<string, number[]>): void {
    for (const key of [...this.lagReported]) {
      const [topic, partition] = key.split('\u0000');
      if (assignment[topic]?.includes(Number(partition))) continue;
      this.metrics?.consumerLag.remove({ group: this.options.groupId, topic, partition });
      this.lagReported.delete(key);
    }
  }

  /** Not ready while the consumer has crashed and not yet rejoined its group. */
  get failure(): Error | undefined {
    return this.crashed;
  }

  /**
   * Connects, subscribes and joins the group. A try that fails (the broker away, a topic
   * missing) leaves the consumer `failure`, so readiness says why, and is tried again with
   * growing waits until it runs or `stop` comes: a service started in the background never
   * lives on without its consumer. One still joining when `stop` comes never joins.
   */
  async start(): Promise<void> {
    for (let waitMs = RESTART_FIRST_MS; !this.halt.aborted; waitMs = Math.min(waitMs * 2, RESTART_MAX_MS)) {
      try {
        await this.producer.connect();
        await this.consumer.connect();
        await this.consumer.subscribe({
          topics: this.options.topics,
          fromBeginning: this.options.fromBeginning ?? true,
        });
        if (!this.halt.aborted) await this.run();
        return;
      } catch (e) {
        this.crashed = e instanceof Error ? e : new Error(String(e));
        if (this.halt.aborted) return;
        this.logger.warn(
          { err: e, groupId: this.options.groupId, inMs: waitMs },
          'consumer did not start, trying again',
        );
        await pause(waitMs, this.halt);
      }
    }
  }

  private run(): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency ?? 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /**
   * kafkajs restarts a crashed consumer only after errors it deems retriable. Others (no
   * group coordinator found while the broker is away, a lock timeout) leave it disconnected
   * for good: the process would live on without consuming. It joins again by itself, with
   * growing waits, until it is in the group or the service stops.
   */
  private rejoinLater(): void {
    if (this.halt.aborted || this.rejoinTimer) return;
    const waitMs = this.rejoinWaitMs;
    this.rejoinWaitMs = Math.min(waitMs * 2, RESTART_MAX_MS);
    this.logger.warn({ groupId: this.options.groupId, inMs: waitMs }, 'consumer not restarted by kafkajs: rejoining');
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = undefined;
      if (this.halt.aborted) return;
      // A failed join crashes again (and comes back here); a failed connect is retried here.
      this.consumer
        .connect()
        .then(() => (this.halt.aborted ? undefined : this.run()))
        .catch((e: unknown) => {
          this.crashed = e instanceof Error ? e : new Error(String(e));
          this.rejoinLater();
        });
    }, waitMs);
  }

  /** Lets the running batches finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.halted.abort();
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = undefined;
    for (const startGrace of this.onStop) startGrace();
    // Batches handed on (fetch ahead) finish and commit before the group is left.
    await Promise.allSettled([...this.inFlight]);
    await this.consumer.disconnect();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const limit = this.options.fetchAheadRecords;
    if (!limit) return this.handleBatch(payload, 0);
    if (this.stopping) return; // not resolved: read again by the next owner
    const key = `${batch.topic}|${batch.partition}`;
    const epoch = this.epochs.get(key) ?? 0;
    // kafkajs fetches from the resolved offset on; nothing is committed until the acks.
    payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    const size = batch.messages.length;
    this.pendingRecords += size;
    const job: Promise<void> = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.handleBatch(payload, epoch))
      .catch((err: unknown) =>
        // A failed commit is covered by the partition's next one; until then a restart re-reads.
        this.logger.warn({ err, topic: batch.topic, partition: batch.partition }, 'handed-on batch not committed'),
      )
      .finally(() => {
        this.pendingRecords -= size;
        this.inFlight.delete(job);
        if (this.chains.get(key) === job) this.chains.delete(key);
      });
    this.chains.set(key, job);
    this.inFlight.add(job);
    while (this.pendingRecords > limit && this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private async handleBatch(payload: EachBatchPayload, epoch: number): Promise<void> {
    const { batch } = payload;
    const key = `${batch.topic}|${batch.partition}`;
    if ((this.epochs.get(key) ?? 0) !== epoch) return; // an earlier batch stopped short: fetched again
    const started = process.hrtime.bigint();
    const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
    const isStopping = () => this.stopping || !payload.isRunning() || payload.isStale();
    const ctx = {
      topic: batch.topic,
      partition: batch.partition,
      heartbeat: payload.heartbeat,
      isStopping,
      pauseFor: (ms: number) => {
        const resume = payload.pause();
        setTimeout(resume, ms).unref();
      },
    };

    const handledUpTo = await this.handleWithRetries(records, ctx);
    if (this.options.fetchAheadRecords && handledUpTo !== records[records.length - 1].offset) {
      // kafkajs is already past this batch: drop the batches queued behind it and read again
      // from the first record not handled (a duplicate at worst, never a gap).
      this.epochs.set(key, epoch + 1);
      const from = handledUpTo === undefined ? records[0].offset : (BigInt(handledUpTo) + 1n).toString();
      if (!this.stopping) {
        try {
          this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: from });
        } catch (err) {
          this.logger.warn({ err, topic: batch.topic, partition: batch.partition }, 'could not seek back');
        }
      }
    }
    if (handledUpTo === undefined) return; // stopping: nothing committed, the next owner re-reads

    // Fetch ahead resolved the batch when handing it on; resolving again would move kafkajs back.
    if (!this.options.fetchAheadRecords) payload.resolveOffset(handledUpTo);
    await this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(handledUpTo) + 1n).toString() },
    ]);
    const handled = records.filter((r) => BigInt(r.offset) <= BigInt(handledUpTo)).length;
    const group = this.options.groupId;
    this.metrics?.consumedRecords.inc({ group, topic: batch.topic }, handled);
    this.metrics?.batchSize.observe({ topic: batch.topic }, handled);
    this.metrics?.consumerLag.set(
      { group, topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(handledUpTo) - 1n)),
    );
    this.lagReported.add(`${batch.topic}\u0000${batch.partition}`);
    this.metrics?.handlerSeconds.observe({ topic: batch.topic }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Returns the last offset handled and acknowledged, or undefined when stopping first. */
  private async handleWithRetries(
    records: ConsumedRecord[],
    ctx: Parameters<BatchHandler>[1],
  ): Promise<string | undefined> {
    const isTransient = this.options.isTransient ?? isTransientError;
    const triesBeforeSplit = this.options.triesBeforeSplit ?? 3;
    for (let attempt = 1; !ctx.isStopping(); attempt++) {
      try {
        const result = await this.options.handler(records, ctx);
        if (!(await this.acknowledgeUnlessStopped(result))) return undefined;
        return result.handledUpTo ?? records[records.length - 1].offset;
      } catch (error) {
        this.metrics?.batchRetries.inc({ topic: ctx.topic });
        const transient = isTransient(error);
        this.logger.warn(
          { err: error, topic: ctx.topic, partition: ctx.partition, attempt, transient, records: records.length },
          'batch failed, retrying',
        );
        if (!transient && attempt >= triesBeforeSplit) return this.handleOneByOne(records, ctx, isTransient);
        await sleepWithHeartbeat(backoffMs(attempt), ctx);
      }
    }
    return undefined;
  }

  private async handleOneByOne(
    records: ConsumedRecord[],
    ctx: Parameters<BatchHandler>[1],
    isTransient: (e: unknown) => boolean,
  ): Promise<string | undefined> {
    let last: string | undefined;
    for (const record of records) {
      let attempt = 1;
      for (;;) {
        if (ctx.isStopping()) return last;
        try {
          const result = await this.options.handler([record], ctx);
          if (!(await this.acknowledgeUnlessStopped(result))) return last;
          break;
        } catch (error) {
          if (isTransient(error) || attempt < 2) {
            await sleepWithHeartbeat(backoffMs(attempt++), ctx);
            continue;
          }
          const deadLetter: DeadLetter = {
            record,
            reason: 'handler-error',
            error: String((error as Error)?.message ?? error),
          };
          if (!(await this.acknowledgeUnlessStopped({ deadLetters: [deadLetter] }))) return last;
          this.logger.error(
            { err: error, topic: record.topic, partition: record.partition, offset: record.offset },
            'record dead-lettered',
          );
          break;
        }
      }
      last = record.offset;
    }
    return last;
  }

  /**
   * Acknowledges the outputs; false when the consumer was stopped and the acknowledgement did
   * not come within the grace time (nothing is then committed for it).
   */
  private async acknowledgeUnlessStopped(result: BatchResult): Promise<boolean> {
    const acked = this.acknowledge(result).then(() => true);
    const graceMs = this.options.ackGraceOnStopMs ?? ACK_GRACE_ON_STOP_MS;
    let timer: NodeJS.Timeout | undefined;
    let giveUp: (v: false) => void = () => undefined;
    const givenUp = new Promise<false>((resolve) => (giveUp = resolve));
    const startGrace = () => {
      timer ??= setTimeout(() => giveUp(false), graceMs);
    };
    if (this.stopping) startGrace();
    else this.onStop.add(startGrace);
    try {
      const done = await Promise.race([acked, givenUp]);
      if (!done) {
        acked.catch(() => undefined); // it may still fail after the stop: nobody waits for it
        this.logger.warn({ graceMs }, 'stopping: outputs not acknowledged in time, batch left uncommitted');
      }
      return done;
    } finally {
      if (timer) clearTimeout(timer);
      this.onStop.delete(startGrace);
    }
  }

  private async acknowledge(result: BatchResult): Promise<void> {
    const deadLetters = result.deadLetters ?? [];
    await this.producer.send([...(result.outputs ?? []), ...deadLetters.map(deadLetterRecord)]);
    for (const d of deadLetters) this.metrics?.deadLetters.inc({ topic: d.record.topic, reason: d.reason });
  }
}

function toRecord(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers, timestamp: m.timestamp };
}

function backoffMs(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 200 * 2 ** (attempt - 1));
  return base / 2 + Math.random() * (base / 2); // jitter: instances do not retry in step
}

async function sleepWithHeartbeat(ms: number, ctx: Parameters<BatchHandler>[1]): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !ctx.isStopping()) {
    await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
    await ctx.heartbeat().catch(() => undefined);
  }
}
