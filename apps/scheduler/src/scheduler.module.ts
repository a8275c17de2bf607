import { kafkaSecurityOf } from '@lib/config';
import { ErasureRepository } from './erasure/erasure.repository';
import { ErasureRequestsPipeline } from './erasure/erasure-requests.pipeline';
import { ShopperDataController } from './shopper-data/shopper-data.controller';
import { ShopperDataRepository } from './shopper-data/shopper-data.repository';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DatabaseModule } from '@lib/database';
import { KafkaModule } from '@lib/kafka';
import { ObservabilityModule } from '@lib/observability';
import { ApiDocsModule, ApiKeyGuard, ApiKeys } from '@lib/runtime';
import type { ServiceParts } from '@lib/runtime';
import { ConsoleAccess, ConsoleTokenGuard } from '@lib/console-access';
import type { PlanSend } from './cart-events/abandonment';
import { CartEventsPipeline } from './cart-events/cart-events.pipeline';
import { CartReplanner } from './cart-events/cart-replanner';
import { CartRepository } from './cart-events/cart.repository';
import { schedulerApiDocument } from './api-document';
import type { SchedulerConfig } from './config';
import { ConsentRecordRepository } from './contacts/consent-record.repository';
import { ContactHoldRepository } from './contacts/contact-hold.repository';
import { schedulerDatabase } from './database';
import { LinkClickRepository } from './link-clicks/link-click.repository';
import { LinkClicksPipeline } from './link-clicks/link-clicks.pipeline';
import { MessageOutcomeRepository } from './message-outcomes/message-outcome.repository';
import { MessageOutcomesPipeline } from './message-outcomes/message-outcomes.pipeline';
import { PurgeLoop } from './retention/purge-loop';
import { PurgeRepository } from './retention/purge.repository';
import { SchedulerInputs } from './scheduler.inputs';
import { SchedulerMetrics } from './scheduler.metrics';
import { ConsoleStatsController } from './stats/console-stats.controller';
import { StatsController } from './stats/stats.controller';
import { StatsRepository } from './stats/stats.repository';
import { StoreSettingsPipeline } from './store-settings/store-settings.pipeline';
import { StoreSettingsRepository } from './store-settings/store-settings.repository';
import { SendDueEmitter } from './timers/send-due.emitter';
import { TimerLoop } from './timers/timer-loop';
import { TimerGauges } from './timers/timer-gauges';
import { TimerRepository } from './timers/timer.repository';
import { TimerWakeups } from './timers/timer-wakeups';
import { PLAN_SEND, SCHEDULER_CONFIG } from './tokens';

/** What the scheduler needs of @lib/business-hours (main.ts passes the lib's functions). */
export interface BusinessHours {
  planSend: PlanSend;
}

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig, parts: ServiceParts, businessHours: BusinessHours): DynamicModule {
    const providers: Provider[] = [
      { provide: SCHEDULER_CONFIG, useValue: config },
      { provide: ApiKeys, useValue: new ApiKeys(config.API_KEYS) },
      { provide: PLAN_SEND, useValue: businessHours.planSend },
      ApiKeyGuard,
      { provide: ConsoleAccess, useValue: new ConsoleAccess(config.CONSOLE_SIGNING_KEYS) },
      ConsoleTokenGuard,
      SchedulerMetrics,
      // repositories
      CartRepository,
      StoreSettingsRepository,
      ContactHoldRepository,
      ConsentRecordRepository,
      MessageOutcomeRepository,
      TimerRepository,
      StatsRepository,
      PurgeRepository,
      ErasureRepository,
      ErasureRequestsPipeline,
      ShopperDataRepository,
      // consume → decide → produce
      CartReplanner,
      CartEventsPipeline,
      StoreSettingsPipeline,
      MessageOutcomesPipeline,
      LinkClickRepository,
      LinkClicksPipeline,
      SchedulerInputs,
      TimerWakeups,
      SendDueEmitter,
      TimerLoop,
      TimerGauges,
      // retention, off the hot path
      PurgeLoop,
    ];
    return {
      module: SchedulerModule,
      imports: [
        ObservabilityModule.forRoot(parts),
        KafkaModule.forRoot({
          brokers: config.KAFKA_BROKERS,
          clientId: config.KAFKA_CLIENT_ID,
          security: kafkaSecurityOf(config),
          topicPrefix: config.TOPIC_PREFIX,
        }),
        DatabaseModule.forRoot({ ...schedulerDatabase(config), migrationsRun: config.MIGRATIONS_RUN }),
        ApiDocsModule.forRoot(schedulerApiDocument()),
      ],
      controllers: [StatsController, ConsoleStatsController, ShopperDataController],
      providers,
    };
  }
}
