import { Injectable } from '@nestjs/common';
import { latestConsents, withdrawsConsent } from '@lib/consent';
import { cartEventContract, cartKey, type CartEvent } from '@lib/contracts';
import type { BatchResult, ConsumedRecord } from '@lib/kafka';
import { OptOutRepository } from '../opt-outs/opt-out.repository';
import { CartClosure, closureOf } from './cart-closure';
import { CartClosureRepository } from './cart-closure.repository';

/**
 * consume `cart-events` → remember each cart's newest conversion or emptying, and each
 * shopper's consent withdrawal as an opt-out, so a send-due the scheduler emitted before it
 * learnt of them is skipped. The sender reads this topic in its own group, light enough to
 * stay near the head while send-due is worked through.
 */
@Injectable()
export class CartEventsPipeline {
  constructor(
    private readonly closures: CartClosureRepository,
    private readonly optOuts: OptOutRepository,
  ) {}

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const newest = new Map<string, CartClosure>();
    const events: CartEvent[] = [];
    for (const record of records) {
      // An unreadable record is skipped here: the scheduler dead-letters the same record.
      const decoded = cartEventContract.decode(record.value);
      if (!decoded.ok) continue;
      events.push(decoded.value);
      const closure = closureOf(decoded.value);
      if (!closure) continue;
      const key = cartKey(closure.storeId, closure.cartId);
      const seen = newest.get(key);
      if (!seen || seen.occurredAt < closure.occurredAt) newest.set(key, closure);
    }
    await this.closures.record([...newest.values()]);
    // From then on the sender's own check skips the shopper, also for a send-due the scheduler
    // emitted before it learnt of the withdrawal.
    const withdrawn = [...latestConsents(events).values()].filter(withdrawsConsent);
    await this.optOuts.record(withdrawn.map((w) => ({ ...w, source: 'consent-withdrawn' })));
    return {};
  }
}
