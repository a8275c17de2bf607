import { Inject, Injectable } from '@nestjs/common';
import type { IngestConfig } from '../config';
import { PLATFORM_ADAPTERS } from '../platforms';
import { StoreSettingsView } from '../store-directory/store-settings.view';
import { INGEST_CONFIG } from '../tokens';
import type { AcceptContext } from './accept-cart-event';

/** The rules every input (Kafka, HTTP, webhooks) accepts cart events by, at a given instant. */
@Injectable()
export class IntakeContext {
  constructor(
    private readonly stores: StoreSettingsView,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
  ) {}

  /** False until the stores are read: a phone's country would be guessed. */
  get ready(): boolean {
    return this.stores.ready;
  }

  at(now = new Date()): AcceptContext {
    return {
      now,
      maxFutureSkewMs: this.config.INGEST_MAX_FUTURE_SKEW_SECONDS * 1000,
      countryOf: (storeId) => this.stores.countryOf(storeId),
      adapters: PLATFORM_ADAPTERS,
    };
  }
}
