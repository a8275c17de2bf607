import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { erasureCompletionContract, TOPIC, type ErasureCompletion } from '@lib/contracts';
import { DatabaseConnection } from '@lib/database';
import { BatchResult, ConsumedRecord, DeadLetter, KafkaService, TransientError } from '@lib/kafka';
import type { IngestConfig } from '../config';
import { INGEST_CONFIG } from '../tokens';
import { ErasureRequestRepository } from './erasure-request.repository';

const UNKNOWN_REQUEST_WAIT_MS = 60_000;

/**
 * consume `erasure-completions` → record when each service erased the shopper of a request
 * (group `<INGEST_GROUP_ID>-erasures`: the raw-event consumers' group reads other topics).
 * Unreadable records go to `erasure-completions-dlq`.
 */
@Injectable()
export class ErasureCompletionsPipeline implements OnApplicationBootstrap {
  constructor(
    private readonly repository: ErasureRequestRepository,
    private readonly kafka: KafkaService,
    private readonly database: DatabaseConnection,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.kafka.startBehind('the erasure-completions consumer', async () => {
      await this.database.ready();
      await this.kafka.connectProducer();
      if (this.kafka.stopping.aborted) return;
      await this.kafka.consume({
        groupId: `${this.config.INGEST_GROUP_ID}-erasures`,
        topics: [this.kafka.topic(TOPIC.erasureCompletions)],
        handler: (records) => this.handle(records),
      });
    });
  }

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const deadLetters: DeadLetter[] = [];
    const completions: ErasureCompletion[] = [];
    for (const record of records) {
      const decoded = erasureCompletionContract.decode(record.value);
      if (decoded.ok) completions.push(decoded.value);
      else deadLetters.push({ record, reason: decoded.reason, error: decoded.error });
    }
    const unknown = await this.repository.complete(
      completions.map((c) => ({ id: c.id, service: c.service, completedAt: new Date(c.completedAt) })),
    );
    // The request is published before ingest commits it: a service quick enough can report
    // before the row is visible. A recent completion is tried again; an old one of a request
    // ingest never kept (another environment's) is left.
    if (unknown.some((c) => Date.now() - c.completedAt.getTime() < UNKNOWN_REQUEST_WAIT_MS)) {
      throw new TransientError('a completion of an erasure request not committed yet: tried again');
    }
    return { deadLetters };
  }
}
