import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { recoveryLinkContract, TOPIC, type RecoveryLink } from '@lib/contracts';
import { DatabaseConnection } from '@lib/database';
import { BatchResult, ConsumedRecord, DeadLetter, KafkaService } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { IngestConfig } from '../config';
import { INGEST_CONFIG } from '../tokens';
import { RecoveryLinkRepository } from './recovery-link.repository';

const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * consume `recovery-links` → keep each link in `recovery_links` for GET /r/{token} (group
 * `<INGEST_GROUP_ID>-links`). Unreadable records go to `recovery-links-dlq`. Links past their
 * lifetime are deleted once an hour.
 */
@Injectable()
export class RecoveryLinksPipeline implements OnApplicationBootstrap, OnModuleDestroy {
  private purging: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: RecoveryLinkRepository,
    private readonly kafka: KafkaService,
    private readonly database: DatabaseConnection,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.kafka.startBehind('the recovery-links consumer', async () => {
      await this.database.ready();
      await this.kafka.connectProducer();
      if (this.kafka.stopping.aborted) return;
      await this.kafka.consume({
        groupId: `${this.config.INGEST_GROUP_ID}-links`,
        topics: [this.kafka.topic(TOPIC.recoveryLinks)],
        handler: (records) => this.handle(records),
      });
      this.purging = setInterval(() => void this.purge(), PURGE_EVERY_MS);
      this.purging.unref();
    });
  }

  onModuleDestroy(): void {
    clearInterval(this.purging);
  }

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const deadLetters: DeadLetter[] = [];
    const links: RecoveryLink[] = [];
    for (const record of records) {
      const decoded = recoveryLinkContract.decode(record.value);
      if (decoded.ok) links.push(decoded.value);
      else deadLetters.push({ record, reason: decoded.reason, error: decoded.error });
    }
    await this.repository.keep(links);
    return { deadLetters };
  }

  private async purge(): Promise<void> {
    try {
      const deleted = await this.repository.purge(new Date());
      if (deleted > 0) this.logger.info({ deleted }, 'recovery links past their lifetime deleted');
    } catch (error) {
      this.logger.warn({ err: error }, 'recovery links purge failed; tried again in an hour');
    }
  }
}
