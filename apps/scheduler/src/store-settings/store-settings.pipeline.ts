import { Inject, Injectable } from '@nestjs/common';
import { acceptStoreSettings } from '@lib/business-hours';
import { withoutAnySecret } from '@lib/contracts';
import { BatchContext, BatchResult, ConsumedRecord, DeadLetter } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { CartReplanner } from '../cart-events/cart-replanner';
import { planningFingerprint } from './planning-fingerprint';
import { StoreSettingsRepository } from './store-settings.repository';

/**
 * consume `store-settings` (compacted) → validate → keep the latest settings per store, without
 * their secrets →
 * re-plan the store's carts not yet due when hours, delays or `enabled` changed. A tombstone
 * keeps the store's row without settings and with its deletion time (the purge's grace). A record that
 * fails validation goes to `store-settings-dlq` and the previous settings stay.
 */
@Injectable()
export class StoreSettingsPipeline {
  constructor(
    private readonly settings: StoreSettingsRepository,
    private readonly replanner: CartReplanner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(records: ConsumedRecord[], ctx: BatchContext): Promise<BatchResult> {
    const deadLetters: DeadLetter[] = [];
    for (const record of records) {
      const accepted = acceptStoreSettings(record.key, record.value);
      if (!accepted.ok) {
        deadLetters.push({ record, reason: accepted.reason, error: accepted.error });
        continue;
      }
      const change = accepted.value;
      // The scheduler uses no secret: its copy keeps none, sealed or not.
      const next = change.kind === 'put' ? withoutAnySecret(change.settings) : undefined;
      // Settings first, so carts planned from now on use them; then the carts planned before.
      // A deletion is dated by its tombstone (a replay dates it the same): the grace of
      // RETENTION_DELETED_STORE_DAYS counts from it.
      const at = new Date(Number(record.timestamp) || Date.now());
      const { plannedFor } = await this.settings.put(change.storeId, next ?? null, at);
      const fingerprint = planningFingerprint(next);
      if (plannedFor === fingerprint) continue; // templates or tokens changed: no cart moves
      const replanned = await this.replanner.replanStore(change.storeId, next, () => ctx.heartbeat());
      await this.settings.markPlanned(change.storeId, fingerprint);
      this.logger.info({ storeId: change.storeId, change: change.kind, replanned }, 'store settings applied');
    }
    return { deadLetters };
  }
}
