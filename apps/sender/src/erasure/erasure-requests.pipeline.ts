import { Inject, Injectable } from '@nestjs/common';
import { erasureCompletionRecord, erasureRequestContract, TOPIC } from '@lib/contracts';
import { BatchResult, ConsumedRecord, DeadLetter, KafkaService, OutgoingRecord } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { PhoneHashKey } from '@lib/secrets';
import type { SenderConfig } from '../config';
import { SENDER_CONFIG } from '../tokens';
import { ErasureRepository } from './erasure.repository';

/**
 * consume `erasure-requests` (in the facts group: a sender starting erases what is pending
 * before it reads send-due) → erase the shopper's rows, keep opt-outs as suppressions →
 * report on `erasure-completions` before the commit. Bad records go to `erasure-requests-dlq`.
 * Read only with ERASURE_HASH_KEY set (sender.inputs.ts).
 */
@Injectable()
export class ErasureRequestsPipeline {
  constructor(
    private readonly repository: ErasureRepository,
    private readonly kafka: KafkaService,
    @Inject(SENDER_CONFIG) private readonly config: SenderConfig,
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
      const request = decoded.value;
      const erased = await this.repository.erase({
        id: request.id,
        phone: request.phone,
        phoneHash: key.hash(request.phone),
        storeId: request.storeId,
        requestedAt: new Date(request.requestedAt),
      });
      // Counts only: the log names the request, never the phone.
      this.logger.info({ erasureId: request.id, storeId: request.storeId, erased }, 'shopper erased');
      outputs.push({
        topic: this.kafka.topic(TOPIC.erasureCompletions),
        ...erasureCompletionRecord(request.id, 'sender', new Date()),
      });
    }
    return { outputs, deadLetters };
  }
}
