import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { TOPIC } from '@lib/contracts';
import { BatchContext, ConsumedRecord, KafkaService } from '@lib/kafka';
import { CartEventsPipeline } from './cart-events/cart-events.pipeline';
import type { SchedulerConfig } from './config';
import { MessageOutcomesPipeline } from './message-outcomes/message-outcomes.pipeline';
import { StoreSettingsPipeline } from './store-settings/store-settings.pipeline';
import { SCHEDULER_CONFIG } from './tokens';

/**
 * The scheduler's one consumer (group SCHEDULER_GROUP_ID) on its three inputs. Each batch is
 * one partition of one topic, handed to that topic's pipeline; partitions run concurrently.
 */
@Injectable()
export class SchedulerInputs implements OnApplicationBootstrap {
  constructor(
    private readonly kafka: KafkaService,
    private readonly cartEvents: CartEventsPipeline,
    private readonly storeSettings: StoreSettingsPipeline,
    private readonly messageOutcomes: MessageOutcomesPipeline,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The timer loop and the HTTP routes need only the producer and the database: the port
    // opens now and the consumer joins its group behind it. After this instance was killed,
    // that join waits until the broker drops the dead member (its 30 s session).
    await this.kafka.producer.connect();
    this.kafka.startBehind('the consumer', () => this.startConsumer());
  }

  private async startConsumer(): Promise<void> {
    const topics = {
      [this.kafka.topic(TOPIC.cartEvents)]: (r: ConsumedRecord[]) => this.cartEvents.handle(r),
      [this.kafka.topic(TOPIC.storeSettings)]: (r: ConsumedRecord[], ctx: BatchContext) =>
        this.storeSettings.handle(r, ctx),
      [this.kafka.topic(TOPIC.messageOutcomes)]: (r: ConsumedRecord[]) => this.messageOutcomes.handle(r),
    };
    await this.kafka.consume({
      groupId: this.config.SCHEDULER_GROUP_ID,
      topics: Object.keys(topics),
      concurrency: this.config.SCHEDULER_CONSUMER_CONCURRENCY,
      handler: (records, ctx) => topics[ctx.topic](records, ctx),
    });
  }
}
