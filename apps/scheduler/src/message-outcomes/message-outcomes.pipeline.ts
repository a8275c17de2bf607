import { Inject, Injectable } from '@nestjs/common';
import { CustomerOptedOut, decodeMessageOutcomesRecord, isOptOut, MessageOutcome } from '@lib/contracts';
import { BatchResult, ConsumedRecord, DeadLetter } from '@lib/kafka';
import { CartReplanner } from '../cart-events/cart-replanner';
import { ContactHoldRepository } from '../contacts/contact-hold.repository';
import type { SchedulerConfig } from '../config';
import { ErasureRepository } from '../erasure/erasure.repository';
import { SCHEDULER_CONFIG } from '../tokens';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import { MessageOutcomeRepository } from './message-outcome.repository';
import { holdSettlements, summarizeOutcomes } from './outcome-summary';

/**
 * consume `message-outcomes` → record each send's outcomes (stats), move the frequency holds,
 * and on `customer.opted-out` never schedule that phone again for that store (its open carts
 * are re-planned at once). Bad records go to `message-outcomes-dlq`.
 */
@Injectable()
export class MessageOutcomesPipeline {
  constructor(
    private readonly outcomes: MessageOutcomeRepository,
    private readonly contacts: ContactHoldRepository,
    private readonly settings: StoreSettingsRepository,
    private readonly replanner: CartReplanner,
    private readonly erasures: ErasureRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const deadLetters: DeadLetter[] = [];
    const outcomes: MessageOutcome[] = [];
    const optOuts: CustomerOptedOut[] = [];
    for (const record of records) {
      const decoded = decodeMessageOutcomesRecord(record.value);
      if (!decoded.ok) deadLetters.push({ record, reason: decoded.reason, error: decoded.error });
      else if (isOptOut(decoded.value)) optOuts.push(decoded.value);
      else outcomes.push(decoded.value);
    }
    const summaries = summarizeOutcomes(outcomes);
    await this.outcomes.record(summaries);
    await this.contacts.settleHolds(holdSettlements(summaries));
    // An opt-out of before the shopper's erasure, still on the topic, must not bring the phone
    // back (the sender keeps it as a suppression).
    const key = this.config.ERASURE_HASH_KEY;
    const kept = key
      ? await this.erasures.withoutErased(optOuts, key, (o) => ({
          storeId: o.storeId,
          phone: o.phone,
          at: Date.parse(o.at),
        }))
      : optOuts;
    for (const o of kept) {
      await this.contacts.optOut(o.storeId, o.phone, new Date(o.at).toISOString());
      await this.replanner.replanPhone(o.storeId, o.phone, await this.settings.of(o.storeId));
    }
    return { deadLetters };
  }
}
