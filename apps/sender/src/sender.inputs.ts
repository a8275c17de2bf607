import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { TOPIC } from '@lib/contracts';
import { DatabaseConnection } from '@lib/database';
import { ConsumedRecord, KafkaService } from '@lib/kafka';
import { CartEventsPipeline } from './cart-events/cart-events.pipeline';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { SenderConfig } from './config';
import { ErasureRequestsPipeline } from './erasure/erasure-requests.pipeline';
import { FactsRead } from './facts-read';
import { OptOutsPipeline } from './opt-outs/opt-outs.pipeline';
import { SendDuePipeline } from './send-due/send-due.pipeline';
import { StoreSettingsPipeline } from './store-settings/store-settings.pipeline';
import { SENDER_CONFIG } from './tokens';

/**
 * Two consumers. `send-due` in its own group, since its batches wait on the Graph API. What
 * the sender must know before sending (store settings, conversions and emptyings, opt-outs,
 * erasures) in a second group, so it is read while send-due batches are busy and stays near the head.
 * send-due is read only once that group has caught up with what was published before the
 * start: a sender starting fresh (or after downtime) would otherwise decide against settings,
 * conversions and opt-outs it has not read yet, and skip a known store as unknown. The
 * deferral loop waits for the same moment (FactsRead).
 */
@Injectable()
export class SenderInputs implements OnApplicationBootstrap {
  constructor(
    private readonly kafka: KafkaService,
    private readonly database: DatabaseConnection,
    private readonly sendDue: SendDuePipeline,
    private readonly storeSettings: StoreSettingsPipeline,
    private readonly cartEvents: CartEventsPipeline,
    private readonly optOuts: OptOutsPipeline,
    private readonly erasures: ErasureRequestsPipeline,
    private readonly factsRead: FactsRead,
    @Inject(SENDER_CONFIG) private readonly config: SenderConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The port opens now; the database, the producer and the consumers come up behind it (a
    // refused login shows on readiness while they are tried again). After this instance was killed, each
    // join waits until the broker drops the dead member (its 30 s session); Meta's webhook
    // calls would go unanswered meanwhile.
    this.kafka.startBehind('the consumers', async () => {
      await this.database.ready();
      await this.storeSettings.pauseStoresWithUnreadableTokens();
      await this.kafka.connectProducer();
      await this.startConsumers();
    });
  }

  private async startConsumers(): Promise<void> {
    const facts: Record<string, (r: ConsumedRecord[]) => ReturnType<OptOutsPipeline['handle']>> = {
      [this.kafka.topic(TOPIC.storeSettings)]: (r) => this.storeSettings.handle(r),
      [this.kafka.topic(TOPIC.cartEvents)]: (r) => this.cartEvents.handle(r),
      [this.kafka.topic(TOPIC.messageOutcomes)]: (r) => this.optOuts.handle(r),
      // Erasures with the facts: a sender starting erases what is pending before any send.
      // Without the hash key no suppression could be kept: the requests wait on their topic.
      ...(this.config.ERASURE_HASH_KEY
        ? { [this.kafka.topic(TOPIC.erasureRequests)]: (r: ConsumedRecord[]) => this.erasures.handle(r) }
        : {}),
    };
    await this.kafka.consume({
      groupId: this.config.SENDER_FACTS_GROUP_ID,
      topics: Object.keys(facts),
      concurrency: 3,
      handler: (records, ctx) => facts[ctx.topic](records),
    });
    const started = Date.now();
    const catchUp = await this.kafka.waitForCaughtUp(
      this.config.SENDER_FACTS_GROUP_ID,
      Object.keys(facts),
      this.config.SENDER_FACTS_CATCH_UP_TIMEOUT_MS,
    );
    // Stopped before send-due was ever read: nothing of it to finish or commit.
    if (catchUp === 'stopping') return;
    this.logger.info({ caughtUp: catchUp === 'caught-up', ms: Date.now() - started }, 'facts read before send-due');
    this.factsRead.markDone();
    await this.kafka.consume({
      groupId: this.config.SENDER_GROUP_ID,
      topics: [this.kafka.topic(TOPIC.sendDue)],
      concurrency: this.config.SENDER_CONSUMER_CONCURRENCY,
      maxBytesPerPartition: this.config.SENDER_FETCH_BYTES_PER_PARTITION,
      handler: (records, ctx) => this.sendDue.handle(records, ctx),
    });
  }
}
