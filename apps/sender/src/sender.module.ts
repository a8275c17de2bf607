import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '@lib/database';
import { KafkaModule } from '@lib/kafka';
import { ObservabilityModule } from '@lib/observability';
import type { ServiceParts } from '@lib/runtime';
import type { SenderConfig } from './config';
import { senderDatabase } from './database';

@Module({})
export class SenderModule {
  static forRoot(config: SenderConfig, parts: ServiceParts): DynamicModule {
    return {
      module: SenderModule,
      imports: [
        ObservabilityModule.forRoot(parts),
        KafkaModule.forRoot({
          brokers: config.KAFKA_BROKERS,
          clientId: config.KAFKA_CLIENT_ID,
          topicPrefix: config.TOPIC_PREFIX,
        }),
        DatabaseModule.forRoot({ ...senderDatabase(config), migrationsRun: config.MIGRATIONS_RUN }),
      ],
    };
  }
}
