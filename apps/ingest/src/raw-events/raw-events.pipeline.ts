import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { TOPIC } from '@lib/contracts';
import { DatabaseConnection } from '@lib/database';
import { BatchResult, ConsumedRecord, KafkaService } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { IngestConfig } from '../config';
import { IngestMetrics } from '../ingest.metrics';
import { StoreSettingsView } from '../store-directory/store-settings.view';
import { INGEST_CONFIG } from '../tokens';
import { BatchDecisions } from './batch-decisions';
import { IntakeContext } from './intake-context';

/**
 * consume `cart-events-raw` (and the configured extra source topics) → accept or reject
 * each record → produce `cart-events` or the DLQ. The Kafka layer acknowledges both before
 * it commits the batch's offsets.
 */
@Injectable()
export class RawEventsPipeline implements OnApplicationBootstrap {
  constructor(
    private readonly kafka: KafkaService,
    private readonly database: DatabaseConnection,
    private readonly stores: StoreSettingsView,
    private readonly intake: IntakeContext,
    private readonly decisions: BatchDecisions,
    private readonly metrics: IngestMetrics,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The port opens now and everything comes up behind it, so readiness can say what is
    // wrong (a refused login, a database away) while it is tried again. The HTTP inputs
    // answer 503 until the stores are read; after this instance was killed, the raw-event
    // consumers' join waits until the broker drops the dead member (its 30 s session).
    this.kafka.startBehind('raw-event consumers', async () => {
      await this.database.ready();
      await this.kafka.connectProducer();
      // National phones need the store's country: read the stores first.
      await this.stores.start();
      // Asked to stop while reading the stores: never start reading raw events.
      if (this.kafka.stopping.aborted) return;
      await this.startConsumers();
    });
  }

  private async startConsumers(): Promise<void> {
    const sources = [TOPIC.cartEventsRaw, ...this.config.INGEST_EXTRA_SOURCE_TOPICS].map((t) => this.kafka.topic(t));
    // kafkajs alone fetches the next round only once the whole last round is handled; the
    // consumer fetches ahead instead (below). More consumers of the group (INGEST_CONSUMERS)
    // split the partitions; one by default, as each joining one costs a rebalance at start.
    for (let i = 0; i < this.config.INGEST_CONSUMERS; i++) {
      if (this.kafka.stopping.aborted) return;
      await this.kafka.consume({
        groupId: this.config.INGEST_GROUP_ID,
        topics: sources,
        concurrency: this.config.INGEST_CONCURRENCY,
        // Smaller fetches than kafkajs' 1 MiB per partition: fewer records alive at once, so
        // less of each round outlives the young generation (peak RSS ~25 MB lower).
        maxBytesPerPartition: this.config.INGEST_FETCH_BYTES_PER_PARTITION,
        // Decisions run on a worker thread: the next rounds are fetched while one is decided.
        fetchAheadRecords: this.config.INGEST_FETCH_AHEAD_RECORDS || undefined,
        handler: (records) => this.handle(records),
      });
    }
    this.logger.info(
      { topics: sources, consumers: this.config.INGEST_CONSUMERS, decisionThreads: this.decisions.threads },
      'consuming raw cart events',
    );
  }

  async handle(records: ConsumedRecord[], now = new Date()): Promise<BatchResult> {
    const { outputs, deadLetters, unreachable } = await this.decisions.decide(
      records,
      this.intake.at(now),
      this.kafka.topic(TOPIC.cartEvents),
    );
    // Counted once per batch, not per record: this loop is the hot path.
    this.metrics.cartEvents.inc({ input: 'raw', outcome: 'accepted' }, outputs.length);
    for (const d of deadLetters) this.metrics.cartEvents.inc({ input: 'raw', outcome: `rejected-${d.reason}` });
    for (const [reason, n] of unreachable) this.metrics.unreachableCustomers.inc({ reason }, n);
    return { outputs, deadLetters };
  }
}
