import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '@lib/database';
import { KafkaModule } from '@lib/kafka';
import { ObservabilityModule } from '@lib/observability';
import type { ServiceParts } from '@lib/runtime';
import type { IngestConfig } from './config';
import { ingestDatabase } from './database';
import { RawEventsPipeline } from './raw-events/raw-events.pipeline';
import { INGEST_CONFIG } from './tokens';

@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig, parts: ServiceParts): DynamicModule {
    return {
      module: IngestModule,
      imports: [
        ObservabilityModule.forRoot(parts),
        KafkaModule.forRoot({
          brokers: config.KAFKA_BROKERS,
          clientId: config.KAFKA_CLIENT_ID,
          topicPrefix: config.TOPIC_PREFIX,
        }),
        DatabaseModule.forRoot({ ...ingestDatabase(config), migrationsRun: config.MIGRATIONS_RUN }),
      ],
      providers: [{ provide: INGEST_CONFIG, useValue: config }, RawEventsPipeline],
    };
  }
}
