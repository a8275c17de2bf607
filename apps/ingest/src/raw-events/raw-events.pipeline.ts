import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { cartKey, TOPIC } from '@lib/contracts';
import { BatchResult, ConsumedRecord, DeadLetter, KafkaService, OutgoingRecord } from '@lib/kafka';
import type { IngestConfig } from '../config';
import { IngestMetrics } from '../ingest.metrics';
import { PLATFORM_ADAPTERS } from '../platforms';
import { StoreSettingsView } from '../store-directory/store-settings.view';
import { INGEST_CONFIG } from '../tokens';
import { AcceptContext, acceptRawRecord } from './accept-cart-event';

/** consume `cart-events-raw` → accept or reject each record → produce `cart-events` or the DLQ. */
@Injectable()
export class RawEventsPipeline implements OnApplicationBootstrap {
  constructor(
    private readonly kafka: KafkaService,
    private readonly stores: StoreSettingsView,
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

  acceptContext(now = new Date()): AcceptContext {
    return {
      now,
      maxFutureSkewMs: this.config.INGEST_MAX_FUTURE_SKEW_SECONDS * 1000,
      countryOf: (storeId) => this.stores.countryOf(storeId),
      adapters: PLATFORM_ADAPTERS,
    };
  }

  handle(records: ConsumedRecord[], now = new Date()): BatchResult {
    const outputs: OutgoingRecord[] = [];
    const deadLetters: DeadLetter[] = [];
    const out = this.kafka.topic(TOPIC.cartEvents);
    const ctx = this.acceptContext(now);
    const unreachable = new Map<string, number>();
    for (const record of records) {
      const accepted = acceptRawRecord(record, ctx);
      if (!accepted.ok) {
        deadLetters.push({ record, reason: accepted.reason, error: accepted.error });
        continue;
      }
      const { event, phoneProblem } = accepted.value;
      if (phoneProblem) unreachable.set(phoneProblem, (unreachable.get(phoneProblem) ?? 0) + 1);
      outputs.push({ topic: out, key: cartKey(event.storeId, event.cartId), value: JSON.stringify(event) });
    }
    // Counted once per batch, not per record: this loop is the hot path.
    this.metrics.cartEvents.inc({ input: 'raw', outcome: 'accepted' }, outputs.length);
    for (const d of deadLetters) this.metrics.cartEvents.inc({ input: 'raw', outcome: `rejected-${d.reason}` });
    for (const [reason, n] of unreachable) this.metrics.unreachableCustomers.inc({ reason }, n);
    return { outputs, deadLetters };
  }
}
