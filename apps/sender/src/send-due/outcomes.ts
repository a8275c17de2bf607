import { cartKey, CustomerOptedOut, optOutKey, MessageOutcome, OutcomeStatus } from '@lib/contracts';
import type { OutgoingRecord } from '@lib/kafka';
import type { MessageState } from './message.repository';

/** The outcome a message's state announces on `message-outcomes`; `sending`/`unknown` announce none. */
export function outcomeStatusOf(state: MessageState): OutcomeStatus | undefined {
  return state === 'sending' || state === 'unknown' ? undefined : state;
}

export function outcomeRecord(
  topic: string,
  o: {
    sendId: string;
    storeId: string;
    cartId: string;
    status: OutcomeStatus;
    reason?: string | null;
    wamid?: string | null;
    at: Date;
  },
): OutgoingRecord {
  const value: MessageOutcome = {
    schemaVersion: 1,
    sendId: o.sendId,
    storeId: o.storeId,
    cartId: o.cartId,
    status: o.status,
    reason: o.reason ?? null,
    whatsappMessageId: o.wamid ?? null,
    at: o.at.toISOString(),
  };
  return { topic, key: cartKey(o.storeId, o.cartId), value: JSON.stringify(value) };
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
