import { Inject, Injectable } from '@nestjs/common';
import { acceptStoreSettings } from '@lib/business-hours';
import { BatchResult, ConsumedRecord, DeadLetter } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { SecretUnreadable } from '@lib/secrets';
import { MessageRepository } from '../messages/message.repository';
import { SenderMetrics } from '../sender.metrics';
import { StoreSettingsRepository } from './store-settings.repository';

/**
 * consume `store-settings` (compacted) → keep the latest valid settings per store. A paused
 * store whose token changed resumes, and the messages it held are released to the deferral
 * loop at once. A token that does not open (a key missing from SECRETS_ENCRYPTION_KEYS, a
 * wrong key, or a record from before encryption) pauses its store with an alert: its
 * messages wait, nothing is sent with anything else.
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
        // Dated by the tombstone (a replay dates it the same): the purge's grace counts from it.
        await this.settings.delete(change.storeId, new Date(Number(record.timestamp) || Date.now()));
        continue;
      }
      const { resumed, unreadable } = await this.settings.put(change.storeId, change.settings);
      if (unreadable) await this.pauseUnreadable(change.storeId, unreadable);
      if (resumed) {
        const released = await this.messages.releasePaused(change.storeId);
        this.metrics.storesPaused.set((await this.settings.pausedStores()).length);
        this.logger.info(
          { storeId: change.storeId, released },
          'store resumed by new settings (a new access token, or after 131055 any)',
        );
      } else if ((await this.settings.ofStores([change.storeId])).get(change.storeId)?.paused === false) {
        // Held for a template Meta paused, the store now sends another one (or text): what it
        // held is decided again at once. A store never held has nothing to release.
        const released = await this.messages.releasePaused(change.storeId);
        if (released > 0)
          this.logger.info({ storeId: change.storeId, released }, 'held messages released by new settings');
      }
    }
    return { deadLetters };
  }

  /**
   * At start: every store whose token does not open with this keyring (a key dropped too
   * early, the wrong keyring mounted) is paused with an alert, instead of failing its sends
   * one by one or stopping the service.
   */
  async pauseStoresWithUnreadableTokens(): Promise<number> {
    let paused = 0;
    for (const store of await this.settings.all()) {
      if (store.paused) continue;
      try {
        this.settings.accessTokenOf(store.settings);
      } catch (error) {
        if (!(error instanceof SecretUnreadable)) throw error;
        if (await this.pauseUnreadable(store.storeId, error)) paused++;
      }
    }
    return paused;
  }

  private async pauseUnreadable(storeId: string, error: SecretUnreadable): Promise<boolean> {
    if (!(await this.settings.pause(storeId, undefined, `access token: ${error.message}`))) return false;
    this.metrics.storePaused.inc({ store_id: storeId, code: 'secret' });
    this.metrics.storesPaused.set((await this.settings.pausedStores()).length);
    // The same alert as a token WhatsApp rejects; it names the key, never the token.
    this.logger.error(
      { alert: 'store-paused', storeId, code: 'secret', why: error.why, reason: error.message },
      'store paused: its access token does not open with SECRETS_ENCRYPTION_KEYS; its messages wait for new settings or the key',
    );
    return true;
  }
}
