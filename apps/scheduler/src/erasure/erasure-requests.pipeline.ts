import { Inject, Injectable } from '@nestjs/common';
import { erasureCompletionRecord, erasureRequestContract, TOPIC, type ErasureRequest } from '@lib/contracts';
import { BatchResult, ConsumedRecord, DeadLetter, KafkaService, OutgoingRecord } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { PhoneHashKey } from '@lib/secrets';
import type { SchedulerConfig } from '../config';
import { SCHEDULER_CONFIG } from '../tokens';
import { ErasureRepository } from './erasure.repository';

/**
 * consume `erasure-requests` → erase the shopper's rows (counts rolled up first) → report on
 * `erasure-completions`, produced before the offset is committed (a crash erases again, which
 * finds nothing and reports again). Bad records go to `erasure-requests-dlq`. Read only with
 * ERASURE_HASH_KEY set (scheduler.inputs.ts).
 */
@Injectable()
export class ErasureRequestsPipeline {
  constructor(
    private readonly repository: ErasureRepository,
    private readonly kafka: KafkaService,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const key = this.config.ERASURE_HASH_KEY as PhoneHashKey;
    const deadLetters: DeadLetter[] = [];
    const outputs: OutgoingRecord[] = [];
    for (const record of records) {
      const decoded = erasureRequestContract.decode(record.value);
      if (!decoded.ok) {
        deadLetters.push({ record, reason: decoded.reason, error: decoded.error });
        continue;
      }
      outputs.push(await this.erase(decoded.value, key));
    }
    await this.repository.forgetExpired(new Date());
    return { outputs, deadLetters };
  }

  private async erase(request: ErasureRequest, key: PhoneHashKey): Promise<OutgoingRecord> {
    const erased = await this.repository.erase({
      id: request.id,
      phone: request.phone,
      phoneHash: key.hash(request.phone),
      storeId: request.storeId,
      requestedAt: new Date(request.requestedAt),
    });
    // Counts only: the log names the request, never the phone.
    this.logger.info({ erasureId: request.id, storeId: request.storeId, erased }, 'shopper erased');
    return {
      topic: this.kafka.topic(TOPIC.erasureCompletions),
      ...erasureCompletionRecord(request.id, 'scheduler', new Date()),
    };
  }
}
