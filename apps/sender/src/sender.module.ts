import { kafkaSecurityOf } from '@lib/config';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DatabaseModule } from '@lib/database';
import { KafkaModule } from '@lib/kafka';
import { ObservabilityModule } from '@lib/observability';
import { ApiDocsModule, ApiKeyGuard, ApiKeys } from '@lib/runtime';
import { ConsoleAccess, ConsoleTokenGuard } from '@lib/console-access';
import type { ServiceParts } from '@lib/runtime';
import { senderApiDocument } from './api-document';
import { CartClosureRepository } from './cart-events/cart-closure.repository';
import { CartEventsPipeline } from './cart-events/cart-events.pipeline';
import { RecentMessagesController } from './console/recent-messages.controller';
import { RecentMessagesRepository } from './console/recent-messages.repository';
import type { SenderConfig } from './config';
import { senderDatabase } from './database';
import { ErasureRepository } from './erasure/erasure.repository';
import { ErasureRequestsPipeline } from './erasure/erasure-requests.pipeline';
import { ShopperDataController } from './shopper-data/shopper-data.controller';
import { ShopperDataRepository } from './shopper-data/shopper-data.repository';
import { OptOutRepository } from './opt-outs/opt-out.repository';
import { OptOutsPipeline } from './opt-outs/opt-outs.pipeline';
import { FrequencySlotRepository } from './contacts/frequency-slot.repository';
import { MarketingLimitRepository } from './contacts/marketing-limit.repository';
import { ShopperIdentityRepository } from './contacts/shopper-identity.repository';
import { TemplateStateRepository } from './templates/template-state.repository';
import type { StoreOpenings } from './plan/decide-send';
import { DeferralLoop } from './defer/deferral-loop';
import { GraphApi } from './deliver/graph-api';
import { MessageDelivery } from './deliver/message-delivery';
import { OutcomePublisher } from './messages/outcome-publisher';
import { MessageRepository } from './messages/message.repository';
import type { ReminderRenderer } from './messages/reminder';
import { PurgeLoop } from './retention/purge-loop';
import { PurgeRepository } from './retention/purge.repository';
import { SendDuePipeline } from './send-due/send-due.pipeline';
import { SendPlanner } from './plan/send-planner';
import { FactsRead } from './facts-read';
import { SenderInputs } from './sender.inputs';
import { SenderMetrics } from './sender.metrics';
import { StoreSettingsPipeline } from './store-settings/store-settings.pipeline';
import { StoreSettingsRepository } from './store-settings/store-settings.repository';
import { REMINDER_RENDERER, STORE_OPENINGS, SENDER_CONFIG } from './tokens';
import { WhatsAppWebhooks } from './webhooks/whatsapp-webhooks';
import { WhatsAppWebhooksController } from './webhooks/whatsapp-webhooks.controller';

/** The libraries the sender decides and renders with (main.ts passes @lib/business-hours and @lib/message-templates). */
export interface SenderLibraries {
  openings: StoreOpenings;
  renderer: ReminderRenderer;
}

@Module({})
export class SenderModule {
  static forRoot(config: SenderConfig, parts: ServiceParts, libraries: SenderLibraries): DynamicModule {
    const providers: Provider[] = [
      { provide: SENDER_CONFIG, useValue: config },
      { provide: STORE_OPENINGS, useValue: libraries.openings },
      { provide: REMINDER_RENDERER, useValue: libraries.renderer },
      { provide: ConsoleAccess, useValue: new ConsoleAccess(config.CONSOLE_SIGNING_KEYS) },
      ConsoleTokenGuard,
      // The platform's keys open only the shopper's access request here (ingest forwards them).
      { provide: ApiKeys, useValue: new ApiKeys(config.API_KEYS) },
      ApiKeyGuard,
      SenderMetrics,
      // repositories
      StoreSettingsRepository,
      OptOutRepository,
      CartClosureRepository,
      FrequencySlotRepository,
      ShopperIdentityRepository,
      MarketingLimitRepository,
      TemplateStateRepository,
      MessageRepository,
      RecentMessagesRepository,
      PurgeRepository,
      ErasureRepository,
      ErasureRequestsPipeline,
      ShopperDataRepository,
      // consume → decide → send → record → produce
      GraphApi,
      OutcomePublisher,
      SendPlanner,
      MessageDelivery,
      SendDuePipeline,
      StoreSettingsPipeline,
      CartEventsPipeline,
      OptOutsPipeline,
      FactsRead,
      SenderInputs,
      DeferralLoop,
      PurgeLoop,
      WhatsAppWebhooks,
    ];
    return {
      module: SenderModule,
      imports: [
        ObservabilityModule.forRoot(parts),
        KafkaModule.forRoot({
          brokers: config.KAFKA_BROKERS,
          clientId: config.KAFKA_CLIENT_ID,
          security: kafkaSecurityOf(config),
          topicPrefix: config.TOPIC_PREFIX,
        }),
        DatabaseModule.forRoot({ ...senderDatabase(config), migrationsRun: config.MIGRATIONS_RUN }),
        ApiDocsModule.forRoot(senderApiDocument()),
      ],
      controllers: [WhatsAppWebhooksController, RecentMessagesController, ShopperDataController],
      providers,
    };
  }
}
