import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '@lib/database';
import { KafkaModule } from '@lib/kafka';
import { ObservabilityModule } from '@lib/observability';
import type { ServiceParts } from '@lib/runtime';
import type { SchedulerConfig } from './config';
import { schedulerDatabase } from './database';

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig, parts: ServiceParts): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [
        ObservabilityModule.forRoot(parts),
        KafkaModule.forRoot({
          brokers: config.KAFKA_BROKERS,
          clientId: config.KAFKA_CLIENT_ID,
          topicPrefix: config.TOPIC_PREFIX,
        }),
        DatabaseModule.forRoot({ ...schedulerDatabase(config), migrationsRun: config.MIGRATIONS_RUN }),
      ],
    };
  }
}
