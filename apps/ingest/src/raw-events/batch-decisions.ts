import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { ConsumedRecord } from '@lib/kafka';
import type { IngestConfig } from '../config';
import { StoreSettingsView } from '../store-directory/store-settings.view';
import { INGEST_CONFIG } from '../tokens';
import type { AcceptContext } from './accept-cart-event';
import type { BatchDecision } from './decide-batch';
import { DecisionPool } from './decision-pool';

/** Where a decision worker starts: the service's entry file, given by main.ts (absent in tests). */
export const DECISION_WORKER_ENTRY = Symbol('DecisionWorkerEntry');

/** The decision pool as the app's: sized from configuration, stopped after the consumers. */
@Injectable()
export class BatchDecisions implements OnApplicationShutdown {
  private readonly pool: DecisionPool;

  constructor(
    @Inject(INGEST_CONFIG) config: IngestConfig,
    @Inject(DECISION_WORKER_ENTRY) entry: string | undefined,
    stores: StoreSettingsView,
  ) {
    this.pool = new DecisionPool({
      workers: config.INGEST_DECISION_WORKERS,
      entry,
      workerHeapMb: config.INGEST_DECISION_WORKER_HEAP_MB,
      stores: stores.directory,
      fallbackCountry: config.INGEST_DEFAULT_COUNTRY,
    });
  }

  get threads(): number {
    return this.pool.threads;
  }

  decide(records: ConsumedRecord[], ctx: AcceptContext, outputTopic: string): Promise<BatchDecision> {
    return this.pool.decide(records, ctx, outputTopic);
  }

  onApplicationShutdown(): Promise<void> {
    return this.pool.close();
  }
}
