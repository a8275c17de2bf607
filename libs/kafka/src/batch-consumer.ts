import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger, Metrics } from '@lib/observability';
import { runBatch, type BatchRunnerParts } from './batch-runner';
import { pause } from './catch-up';
import { ConsumerMetrics } from './consumer-metrics';
import { FetchAhead } from './fetch-ahead';
import { OutputAcknowledger } from './output-acknowledger';
import { RecordProducer } from './producer';
import type { BatchContext, BatchHandler, ConsumedRecord } from './records';
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
 *
 * This class holds the kafkajs consumer's life (start, rejoin after a crash, stop) and the
 * commit; the rest has a file each, with no kafkajs in it: the retries and the split to the
 * dead-letter topic (`batch-runner.ts`), the acknowledgement of outputs before the commit
 * (`output-acknowledger.ts`), fetching ahead (`fetch-ahead.ts`) and the group's series
 * (`consumer-metrics.ts`).
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private stopping = false;
  /** Aborted by `stop` or, earlier, by the service's stop signal: start-up tries and rejoins give up. */
  private readonly halt: AbortSignal;
  private readonly halted = new AbortController();
  private crashed: Error | undefined;
  private rejoinTimer: NodeJS.Timeout | undefined;
  private rejoinWaitMs = RESTART_FIRST_MS;
  private readonly acknowledger: OutputAcknowledger;
  private readonly runner: BatchRunnerParts;
  private readonly fetchAhead: FetchAhead | undefined;
  private readonly series: ConsumerMetrics;

  constructor(
    kafka: Kafka,
    private readonly producer: RecordProducer,
    private readonly options: BatchConsumerOptions,
    private readonly logger: Logger,
    metrics?: Metrics,
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
    this.series = new ConsumerMetrics(options.groupId, metrics);
    this.acknowledger = new OutputAcknowledger({
      send: (records) => this.producer.send(records),
      graceOnStopMs: options.ackGraceOnStopMs ?? ACK_GRACE_ON_STOP_MS,
      onDeadLetter: (topic, reason) => this.series.deadLettered(topic, reason),
      onGivenUp: (graceMs) =>
        this.logger.warn({ graceMs }, 'stopping: outputs not acknowledged in time, batch left uncommitted'),
    });
    this.runner = {
      handler: options.handler,
      acknowledge: (result) => this.acknowledger.acknowledge(result),
      isTransient: options.isTransient ?? isTransientError,
      triesBeforeSplit: options.triesBeforeSplit ?? 3,
      onBatchFailed: ({ error, attempt, transient, records }, ctx) => {
        this.series.batchRetried(ctx.topic);
        this.logger.warn(
          { err: error, topic: ctx.topic, partition: ctx.partition, attempt, transient, records },
          'batch failed, retrying',
        );
      },
      onDeadLettered: (record, error) =>
        this.logger.error(
          { err: error, topic: record.topic, partition: record.partition, offset: record.offset },
          'record dead-lettered',
        ),
    };
    this.fetchAhead = options.fetchAheadRecords
      ? new FetchAhead(options.fetchAheadRecords, (err, topic, partition) =>
          // A failed commit is covered by the partition's next one; until then a restart re-reads.
          this.logger.warn({ err, topic, partition }, 'handed-on batch not committed'),
        )
      : undefined;
    this.halt = options.stopSignal ? AbortSignal.any([this.halted.signal, options.stopSignal]) : this.halted.signal;
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.crashed = payload.error;
      this.logger.error({ err: payload.error, restart: payload.restart, groupId: options.groupId }, 'consumer crashed');
      if (!payload.restart) this.rejoinLater();
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.crashed = undefined;
      this.rejoinWaitMs = RESTART_FIRST_MS;
      this.series.forgetLagOfRevoked(payload.memberAssignment);
      this.logger.info({ groupId: payload.groupId, assignment: payload.memberAssignment }, 'joined consumer group');
    });
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
    this.acknowledger.stop();
    // Batches handed on (fetch ahead) finish and commit before the group is left.
    await this.fetchAhead?.settled();
    await this.consumer.disconnect();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    if (!this.fetchAhead) return this.handleBatch(payload);
    if (this.stopping) return; // not resolved: read again by the next owner
    // kafkajs fetches from the resolved offset on; nothing is committed until the acks.
    payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    await this.fetchAhead.handOn(batch.topic, batch.partition, batch.messages.length, (dropQueued) =>
      this.handleBatch(payload, dropQueued),
    );
  }

  /** `dropQueued` when fetched ahead: called when the batch stops short, kafkajs being past it. */
  private async handleBatch(payload: EachBatchPayload, dropQueued?: () => void): Promise<void> {
    const { batch } = payload;
    const started = process.hrtime.bigint();
    const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
    const ctx: BatchContext = {
      topic: batch.topic,
      partition: batch.partition,
      heartbeat: payload.heartbeat,
      isStopping: () => this.stopping || !payload.isRunning() || payload.isStale(),
      pauseFor: (ms: number) => {
        const resume = payload.pause();
        setTimeout(resume, ms).unref();
      },
    };

    const handledUpTo = await runBatch(records, ctx, this.runner);
    if (dropQueued && handledUpTo !== records[records.length - 1].offset) {
      // kafkajs is already past this batch: drop the batches queued behind it and read again
      // from the first record not handled (a duplicate at worst, never a gap).
      dropQueued();
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
    if (!dropQueued) payload.resolveOffset(handledUpTo);
    await this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(handledUpTo) + 1n).toString() },
    ]);
    this.series.committed({
      topic: batch.topic,
      partition: batch.partition,
      handled: records.filter((r) => BigInt(r.offset) <= BigInt(handledUpTo)).length,
      handledUpTo,
      highWatermark: batch.highWatermark,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    });
  }
}

function toRecord(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers, timestamp: m.timestamp };
}
