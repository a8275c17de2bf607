import { kafkaSecurityOf } from '@lib/config';
import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '@lib/database';
import { KafkaModule } from '@lib/kafka';
import { ObservabilityModule } from '@lib/observability';
import { ApiDocsModule, ApiKeyGuard, ApiKeys } from '@lib/runtime';
import type { ServiceParts } from '@lib/runtime';
import { ConsoleAccess, ConsoleTokenGuard } from '@lib/console-access';
import { ingestApiDocument } from './api-document';
import type { IngestConfig } from './config';
import { ingestDatabase } from './database';
import { ConsoleApiController } from './console/console-api.controller';
import { ConsolePageController } from './console/console-page.controller';
import { ConsoleTokensController } from './console/console-tokens.controller';
import { CartEventsController } from './cart-events-api/cart-events.controller';
import { ErasureCompletionsPipeline } from './erasure/erasure-completions.pipeline';
import { ErasureRequestRepository } from './erasure/erasure-request.repository';
import { ErasureRequestsController } from './erasure/erasure-requests.controller';
import { ShopperDataController } from './shopper-data/shopper-data.controller';
import { IngestMetrics } from './ingest.metrics';
import { BatchDecisions, DECISION_WORKER_ENTRY } from './raw-events/batch-decisions';
import { IntakeContext } from './raw-events/intake-context';
import { RawEventsPipeline } from './raw-events/raw-events.pipeline';
import { ReconciliationRepository } from './shopify-reconciliation/reconciliation.repository';
import { ShopifyReconciliation } from './shopify-reconciliation/shopify-reconciliation.service';
import { LinkRedirectController } from './recovery-links/link-redirect.controller';
import { RecoveryLinkRepository } from './recovery-links/recovery-link.repository';
import { RecoveryLinksPipeline } from './recovery-links/recovery-links.pipeline';
import { StoreAdminController } from './store-admin/store-admin.controller';
import { StoreSettingsRepository } from './store-admin/store-settings.repository';
import { StoreSettingsView } from './store-directory/store-settings.view';
import { INGEST_CONFIG } from './tokens';
import { PlatformWebhooksController } from './webhooks/platform-webhooks.controller';

@Module({})
export class IngestModule {
  /** `decisionWorkerEntry`: the file decision worker threads run (main.ts passes its own). */
  static forRoot(config: IngestConfig, parts: ServiceParts, decisionWorkerEntry?: string): DynamicModule {
    return {
      module: IngestModule,
      imports: [
        ObservabilityModule.forRoot(parts),
        KafkaModule.forRoot({
          brokers: config.KAFKA_BROKERS,
          clientId: config.KAFKA_CLIENT_ID,
          security: kafkaSecurityOf(config),
          topicPrefix: config.TOPIC_PREFIX,
        }),
        DatabaseModule.forRoot({ ...ingestDatabase(config), migrationsRun: config.MIGRATIONS_RUN }),
        ApiDocsModule.forRoot(ingestApiDocument()),
      ],
      controllers: [
        CartEventsController,
        PlatformWebhooksController,
        StoreAdminController,
        ErasureRequestsController,
        ShopperDataController,
        ConsoleTokensController,
        ConsoleApiController,
        ConsolePageController,
        LinkRedirectController,
      ],
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: DECISION_WORKER_ENTRY, useValue: decisionWorkerEntry },
        BatchDecisions,
        { provide: ApiKeys, useValue: new ApiKeys(config.API_KEYS) },
        ApiKeyGuard,
        { provide: ConsoleAccess, useValue: new ConsoleAccess(config.CONSOLE_SIGNING_KEYS) },
        ConsoleTokenGuard,
        IngestMetrics,
        StoreSettingsView,
        IntakeContext,
        StoreSettingsRepository,
        RawEventsPipeline,
        ReconciliationRepository,
        ShopifyReconciliation,
        ErasureRequestRepository,
        ErasureCompletionsPipeline,
        RecoveryLinkRepository,
        RecoveryLinksPipeline,
      ],
    };
  }
}
