import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TOPIC } from '@lib/contracts';
import { ConsumedRecord, KafkaService } from '@lib/kafka';
import { LOGGER, Readiness } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { IngestConfig } from '../config';
import { IngestMetrics } from '../ingest.metrics';
import { INGEST_CONFIG } from '../tokens';
import { StoreDirectory, StoreEntry } from './store-directory';

/**
 * Reads the compacted `store-settings` topic from its start into a StoreDirectory, and keeps
 * following it. Every instance reads the whole topic (its own consumer group), so any
 * instance knows every store: that is what keeps ingest stateless and horizontally scalable.
 */
@Injectable()
export class StoreSettingsView implements OnModuleInit {
  readonly directory: StoreDirectory;
  private readonly readUpTo = new Map<number, bigint>();
  private caughtUp = false;
  private started: Promise<void> | undefined;

  constructor(
    private readonly kafka: KafkaService,
    private readonly readiness: Readiness,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    private readonly metrics: IngestMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.directory = new StoreDirectory(config.SECRETS_ENCRYPTION_KEYS, (storeId, platform, error) =>
      // One line an operator can alert on; it names the key, never the secret.
      this.logger.error(
        { alert: 'store-secret-unreadable', storeId, platform, why: error.why, reason: error.message },
        'store webhook secret does not open: its webhooks are refused until the keyring or the settings are fixed',
      ),
    );
  }

  onModuleInit(): void {
    this.readiness.add({
      name: 'store-settings',
      check: async () => {
        if (!this.caughtUp) throw new Error('store-settings not read to its end yet');
      },
    });
  }

  /**
   * Resolves once the topic is read up to where it ended at start (or the wait ran out). A
   * failed start (the cluster away, a refused login) may be called again.
   */
  start(): Promise<void> {
    this.started ??= this.follow().catch((err: unknown) => {
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  /** True once the topic was read to where it ended at start: inputs may decide events. */
  get ready(): boolean {
    return this.caughtUp;
  }

  /** The store's entry, or undefined for a store not (yet) configured. */
  get(storeId: string): StoreEntry | undefined {
    return this.directory.get(storeId);
  }

  /** The store's signing secret for a platform's webhooks, when it has one. */
  webhookSecret(storeId: string, platform: string): string | undefined {
    return this.directory.get(storeId)?.webhookSecrets?.[platform];
  }

  countryOf(storeId: string): string {
    return this.directory.get(storeId)?.defaultCountry ?? this.config.INGEST_DEFAULT_COUNTRY;
  }

  private async follow(): Promise<void> {
    const topic = this.kafka.topic(TOPIC.storeSettings);
    const ends = await this.kafka.topicOffsets(topic);
    await this.kafka.consume({
      // Its own group per process: every instance must see every partition, from the start.
      groupId: `${this.config.INGEST_GROUP_ID}-store-settings-${randomUUID()}`,
      topics: [topic],
      fromBeginning: true,
      maxWaitTimeMs: 100,
      handler: async (records) => {
        for (const r of records) this.apply(r);
        this.metrics.unreadableSecrets.set(this.directory.unreadable().length);
        return {};
      },
    });
    const until = Date.now() + this.config.INGEST_STORE_SETTINGS_WAIT_MS;
    // A stop during the wait ends it: the process is going away, not taking events.
    const stopping = this.kafka.stopping;
    while (!this.reached(ends) && Date.now() < until && !stopping.aborted) await new Promise((r) => setTimeout(r, 50));
    if (stopping.aborted) return;
    if (!this.reached(ends)) {
      this.logger.warn({ topic }, 'store-settings not read to its end in time: going on with what was read');
    }
    this.caughtUp = true;
    this.logger.info({ stores: this.directory.size }, 'store settings read');
  }

  private apply(record: ConsumedRecord): void {
    this.directory.applyRecord(record.key?.toString('utf8') ?? null, record.value);
    this.readUpTo.set(record.partition, BigInt(record.offset));
  }

  private reached(ends: Array<{ partition: number; low: bigint; high: bigint }>): boolean {
    return ends.every(({ partition, low, high }) => high <= low || (this.readUpTo.get(partition) ?? -1n) >= high - 1n);
  }
}
