import { cartKey, CustomerOptedOut, optOutKey, MessageOutcome, type OutcomePricing } from '@lib/contracts';
import type { MessagePricing } from './message.repository';
import type { OutgoingRecord } from '@lib/kafka';

/** A move's outcome (message-lifecycle.ts decides it) as the record to produce, keyed by its cart. */
export function outcomeRecordOf(topic: string, value: MessageOutcome): OutgoingRecord {
  return { topic, key: cartKey(value.storeId, value.cartId), value: JSON.stringify(value) };
}

/** The opt-out event; keyed by store and phone (it belongs to no one cart). */
export function optOutRecord(topic: string, o: { storeId: string; phone: string; at: Date }): OutgoingRecord {
  const value: CustomerOptedOut = {
    schemaVersion: 1,
    type: 'customer.opted-out',
    storeId: o.storeId,
    phone: o.phone,
    at: o.at.toISOString(),
  };
  return { topic, key: optOutKey(o.storeId, o.phone), value: JSON.stringify(value) };
}

/** Meta's pricing as kept on a message, as the outcome carries it (the pricing model stays in the sender). */
export function outcomePricingOf(p: MessagePricing): OutcomePricing {
  return { billable: p.billable, category: p.category, type: p.type };
}
