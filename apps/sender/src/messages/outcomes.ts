import { cartKey, CustomerOptedOut, optOutKey, MessageOutcome } from '@lib/contracts';
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
