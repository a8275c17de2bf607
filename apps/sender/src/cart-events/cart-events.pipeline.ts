import { Injectable } from '@nestjs/common';
import { cartKey } from '@lib/contracts';
import type { BatchResult, ConsumedRecord } from '@lib/kafka';
import { CartClosure, closureOf } from './cart-closure';
import { CartClosureRepository } from './cart-closure.repository';

/**
 * consume `cart-events` → remember each cart's newest conversion or emptying, so a send-due
 * the scheduler emitted before it learnt of them is skipped. The sender reads this topic in
 * its own group, light enough to stay near the head while send-due is worked through.
 */
@Injectable()
export class CartEventsPipeline {
  constructor(private readonly closures: CartClosureRepository) {}

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const newest = new Map<string, CartClosure>();
    for (const record of records) {
      const closure = closureOf(record.value);
      if (!closure) continue;
      const key = cartKey(closure.storeId, closure.cartId);
      const seen = newest.get(key);
      if (!seen || seen.occurredAt < closure.occurredAt) newest.set(key, closure);
    }
    await this.closures.record([...newest.values()]);
    return {};
  }
}
