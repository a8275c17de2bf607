import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { prefixedTopic } from '@lib/contracts';
import { LOGGER, METRICS, Readiness } from '@lib/observability';
import type { Logger, Metrics } from '@lib/observability';
import { BatchConsumer, BatchConsumerOptions } from './batch-consumer';
import { pause, waitForCaughtUp } from './catch-up';
import { createKafka, KafkaConnection } from './client';
import { RecordProducer } from './producer';
import { describeConnectionFailure, kafkaJsSecurity } from './security';

export interface KafkaOptions extends KafkaConnection {
  topicPrefix: string;
}

export const KAFKA_OPTIONS = Symbol('KafkaOptions');

/**
 * The one door to Kafka inside a service: a shared idempotent producer, batch consumers,
 * a readiness check, and an orderly stop (consumers finish and commit, then the producer).
 */
@Injectable()
export class KafkaService implements OnModuleInit, BeforeApplicationShutdown {
  readonly producer: RecordProducer;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly consumers: BatchConsumer[] = [];
  /** Set while a start-up run by `startBehind` fails: readiness reports it until a try succeeds. */
  private startFailure: Error | undefined;

  constructor(
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Metrics,
    private readonly readiness: Readiness,
  ) {
    this.kafka = createKafka(options, logger);
    this.producer = new RecordProducer(this.kafka, metrics);
    // Health checks must answer fast: no retries, a short timeout.
    this.admin = new Kafka({
      clientId: `${options.clientId}-health`,
      brokers: options.brokers,
      ...kafkaJsSecurity(options.security),
      connectionTimeout: 1500,
      retry: { retries: 0 },
      logCreator: () => () => undefined,
    }).admin();
  }

  onModuleInit(): void {
    this.readiness.add({
      name: 'kafka',
      check: async () => {
        try {
          await this.admin.connect();
          await this.admin.describeCluster();
        } catch (err) {
          throw describeConnectionFailure(err);
        }
        if (this.startFailure) throw this.startFailure;
        const crashed = this.consumers.find((c) => c.failure);
        if (crashed) throw new Error(`consumer crashed: ${crashed.failure!.message}`);
      },
    });
  }

  /** Aborted once the service is asked to stop: start-up steps check it before starting consumers. */
  get stopping(): AbortSignal {
    return this.readiness.stopping;
  }

  /** A topic's name with the environment's prefix. */
  topic(name: string): string {
    return prefixedTopic(this.options.topicPrefix, name);
  }

  /**
   * Connects the shared producer, trying again after 1 s, doubling to 30 s, until it connects
   * or the service stops (then it throws). A refused login or an unreachable cluster is logged
   * once per try with its reason and shown by readiness meanwhile: the port is already open.
   */
  async connectProducer(): Promise<void> {
    for (let waitMs = 1000; ; waitMs = Math.min(30_000, waitMs * 2)) {
      if (this.stopping.aborted) throw new Error('the service is stopping');
      try {
        await this.producer.connect();
        if (waitMs > 1000) this.logger.info('kafka producer connected');
        return;
      } catch (err) {
        const reason = describeConnectionFailure(err).message;
        this.logger.error({ reason, retryInMs: waitMs }, `kafka: ${reason}; trying again`);
        await pause(waitMs, this.stopping);
      }
    }
  }

  /**
   * Runs a service's start-up behind its open port (the port must not wait for a database,
   * a login or a group join). A failure other than the stop is shown by readiness and the
   * start-up is run again after 1 s, doubling to 30 s: its steps must be safe to run again
   * (connects, reads, and consumer starts that only fail by the stop).
   */
  startBehind(what: string, start: () => Promise<void>): void {
    void (async () => {
      for (let waitMs = 1000; ; waitMs = Math.min(30_000, waitMs * 2)) {
        try {
          await start();
          this.startFailure = undefined;
          return;
        } catch (err) {
          if (this.stopping.aborted) return this.logger.info({ what }, 'start-up cut short by the stop');
          const reason = describeConnectionFailure(err).message;
          this.startFailure = new Error(`${what} did not start: ${reason}`);
          this.logger.error({ err, retryInMs: waitMs }, `${this.startFailure.message}; trying again`);
          await pause(waitMs, this.stopping);
        }
      }
    })();
  }

  /**
   * Starts a batch consumer; it is stopped with the application. Refused once the service is
   * stopping: a consumer started after the stop began would never be stopped.
   */
  async consume(options: BatchConsumerOptions): Promise<BatchConsumer> {
    if (this.stopping.aborted) throw new Error(`the service is stopping: consumer ${options.groupId} not started`);
    const consumer = new BatchConsumer(
      this.kafka,
      this.producer,
      { stopSignal: this.stopping, ...options },
      this.logger,
      this.metrics,
    );
    this.consumers.push(consumer);
    await consumer.start();
    this.logger.info({ groupId: options.groupId, topics: options.topics }, 'consumer started');
    return consumer;
  }

  /** Each partition's first and next offsets of a topic (a start-up reads a topic to its end). */
  async topicOffsets(topic: string): Promise<Array<{ partition: number; low: bigint; high: bigint }>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }));
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * See waitForCaughtUp. 'behind' (with a warning naming the partitions) when time ran out;
   * 'stopping' as soon as the service is asked to stop, so a stop never waits for a catch-up.
   */
  async waitForCaughtUp(
    groupId: string,
    topics: string[],
    timeoutMs: number,
  ): Promise<'caught-up' | 'behind' | 'stopping'> {
    const stop = this.stopping;
    let warned = false;
    const onError = (err: unknown) => {
      if (!warned) this.logger.warn({ err, groupId }, 'catch-up check failed, trying again');
      warned = true;
    };
    const behind = await waitForCaughtUp(this.kafka, groupId, topics, timeoutMs, { stop, onError });
    if (stop.aborted) return 'stopping';
    if (behind.length > 0) this.logger.warn({ groupId, behind }, 'consumer group not caught up in time');
    return behind.length === 0 ? 'caught-up' : 'behind';
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.readiness.markShuttingDown();
    await Promise.all(this.consumers.map((c) => c.stop()));
    await this.producer.disconnect();
    await this.admin.disconnect().catch(() => undefined);
    this.logger.info('kafka consumers committed and disconnected');
  }
}
