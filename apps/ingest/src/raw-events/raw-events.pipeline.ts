import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { TOPIC } from '@lib/contracts';
import { BatchResult, ConsumedRecord, KafkaService } from '@lib/kafka';
import type { IngestConfig } from '../config';
import { IngestMetrics } from '../ingest.metrics';
import { StoreSettingsView } from '../store-directory/store-settings.view';
import { INGEST_CONFIG } from '../tokens';
import { decideBatch } from './decide-batch';
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
    private readonly stores: StoreSettingsView,
    private readonly intake: IntakeContext,
    private readonly metrics: IngestMetrics,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // National phones need the store's country: read the stores first.
    await this.stores.start();
    const sources = [TOPIC.cartEventsRaw, ...this.config.INGEST_EXTRA_SOURCE_TOPICS].map((t) => this.kafka.topic(t));
    await this.kafka.consume({
      groupId: this.config.INGEST_GROUP_ID,
      topics: sources,
      concurrency: this.config.INGEST_CONCURRENCY,
      handler: async (records) => this.handle(records),
    });
  }

  handle(records: ConsumedRecord[], now = new Date()): BatchResult {
    const { outputs, deadLetters, unreachable } = decideBatch(
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
