import { Inject, Injectable } from '@nestjs/common';
import { acceptStoreSettings } from '@lib/business-hours';
import { BatchResult, ConsumedRecord, DeadLetter } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { MessageRepository } from '../send-due/message.repository';
import { SenderMetrics } from '../sender.metrics';
import { StoreSettingsRepository } from './store-settings.repository';

/**
 * consume `store-settings` (compacted) → keep the latest valid settings per store. A paused
 * store whose token changed resumes, and the messages it held are released to the deferral
 * loop at once.
 */
@Injectable()
export class StoreSettingsPipeline {
  constructor(
    private readonly settings: StoreSettingsRepository,
    private readonly messages: MessageRepository,
    private readonly metrics: SenderMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const deadLetters: DeadLetter[] = [];
    for (const record of records) {
      const accepted = acceptStoreSettings(record.key, record.value);
      if (!accepted.ok) {
        deadLetters.push({ record, reason: accepted.reason, error: accepted.error });
        continue;
      }
      const change = accepted.value;
      if (change.kind === 'delete') {
        await this.settings.delete(change.storeId);
        continue;
      }
      const { resumed } = await this.settings.put(change.storeId, change.settings);
      if (resumed) {
        const released = await this.messages.releasePaused(change.storeId);
        this.metrics.storesPaused.set((await this.settings.pausedStores()).length);
        this.logger.info({ storeId: change.storeId, released }, 'store resumed with a new access token');
      }
    }
    return { deadLetters };
  }
}
