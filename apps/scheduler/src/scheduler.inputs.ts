import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { TOPIC } from '@lib/contracts';
import { DatabaseConnection } from '@lib/database';
import { BatchContext, ConsumedRecord, KafkaService } from '@lib/kafka';
import { CartEventsPipeline } from './cart-events/cart-events.pipeline';
import type { SchedulerConfig } from './config';
import { ErasureRequestsPipeline } from './erasure/erasure-requests.pipeline';
import { LinkClicksPipeline } from './link-clicks/link-clicks.pipeline';
import { MessageOutcomesPipeline } from './message-outcomes/message-outcomes.pipeline';
import { StoreSettingsPipeline } from './store-settings/store-settings.pipeline';
import { SCHEDULER_CONFIG } from './tokens';

/**
 * The scheduler's one consumer (group SCHEDULER_GROUP_ID) on its inputs (erasure-requests
 * only with ERASURE_HASH_KEY set). Each batch is
 * one partition of one topic, handed to that topic's pipeline; partitions run concurrently.
 */
@Injectable()
export class SchedulerInputs implements OnApplicationBootstrap {
  constructor(
    private readonly kafka: KafkaService,
    private readonly database: DatabaseConnection,
    private readonly cartEvents: CartEventsPipeline,
    private readonly storeSettings: StoreSettingsPipeline,
    private readonly messageOutcomes: MessageOutcomesPipeline,
    private readonly erasures: ErasureRequestsPipeline,
    private readonly linkClicks: LinkClicksPipeline,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The port opens now; the database, the producer and the consumer come up behind it. A
    // refused login or an unreachable cluster shows on readiness while they are tried again,
    // and after this instance was killed the join waits until the broker drops the dead
    // member (its 30 s session).
    this.kafka.startBehind('the consumer', async () => {
      await this.database.ready();
      await this.kafka.connectProducer();
      await this.startConsumer();
    });
  }

  private async startConsumer(): Promise<void> {
    const topics = {
      [this.kafka.topic(TOPIC.cartEvents)]: (r: ConsumedRecord[]) => this.cartEvents.handle(r),
      [this.kafka.topic(TOPIC.storeSettings)]: (r: ConsumedRecord[], ctx: BatchContext) =>
        this.storeSettings.handle(r, ctx),
      [this.kafka.topic(TOPIC.messageOutcomes)]: (r: ConsumedRecord[]) => this.messageOutcomes.handle(r),
      [this.kafka.topic(TOPIC.linkClicks)]: (r: ConsumedRecord[]) => this.linkClicks.handle(r),
      // Without the hash key an erasure could not be remembered: the requests wait on their topic.
      ...(this.config.ERASURE_HASH_KEY
        ? { [this.kafka.topic(TOPIC.erasureRequests)]: (r: ConsumedRecord[]) => this.erasures.handle(r) }
        : {}),
    };
    await this.kafka.consume({
      groupId: this.config.SCHEDULER_GROUP_ID,
      topics: Object.keys(topics),
      concurrency: this.config.SCHEDULER_CONSUMER_CONCURRENCY,
      handler: (records, ctx) => topics[ctx.topic](records, ctx),
    });
  }
}
