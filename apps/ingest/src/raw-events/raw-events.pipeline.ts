import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { cartKey, TOPIC } from '@lib/contracts';
import { BatchResult, ConsumedRecord, DeadLetter, KafkaService, OutgoingRecord } from '@lib/kafka';
import { INGEST_CONFIG } from '../tokens';
import type { IngestConfig } from '../config';
import { acceptCartEvent } from './accept-cart-event';

/** consume `cart-events-raw` → accept or reject each record → produce `cart-events` or the DLQ. */
@Injectable()
export class RawEventsPipeline implements OnApplicationBootstrap {
  constructor(
    private readonly kafka: KafkaService,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const sources = [TOPIC.cartEventsRaw, ...this.config.INGEST_EXTRA_SOURCE_TOPICS].map((t) => this.kafka.topic(t));
    await this.kafka.consume({
      groupId: this.config.INGEST_GROUP_ID,
      topics: sources,
      handler: async (records) => this.handle(records),
    });
  }

  handle(records: ConsumedRecord[], now = new Date()): BatchResult {
    const outputs: OutgoingRecord[] = [];
    const deadLetters: DeadLetter[] = [];
    const out = this.kafka.topic(TOPIC.cartEvents);
    const maxSkewMs = this.config.INGEST_MAX_FUTURE_SKEW_SECONDS * 1000;
    for (const record of records) {
      const accepted = acceptCartEvent(record.value, now, maxSkewMs);
      if (!accepted.ok) {
        deadLetters.push({ record, reason: accepted.reason, error: accepted.error });
        continue;
      }
      const event = accepted.value;
      outputs.push({ topic: out, key: cartKey(event.storeId, event.cartId), value: JSON.stringify(event) });
    }
    return { outputs, deadLetters };
  }
}
