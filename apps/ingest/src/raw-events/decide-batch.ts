import { cartKey } from '@lib/contracts';
import type { ConsumedRecord, DeadLetter, OutgoingRecord } from '@lib/kafka';
import type { PhoneProblem } from '../normalize/phone';
import { AcceptContext, acceptRawRecord } from './accept-cart-event';

export interface BatchDecision {
  /** Normalized events for `cart-events`, keyed by cart so one cart's events stay in order. */
  outputs: OutgoingRecord[];
  /** Records that are no cart event: they go to `<source topic>-dlq`, bytes and key unchanged. */
  deadLetters: DeadLetter[];
  /** Kept carts whose phone could not be read, by why. */
  unreachable: Map<PhoneProblem, number>;
}

/**
 * Every record of a consumed batch ends as exactly one output or one dead letter: nothing
 * is dropped, nothing throws. Pure, so the "in = out + DLQ" rule is testable without Kafka.
 */
export function decideBatch(records: ConsumedRecord[], ctx: AcceptContext, outputTopic: string): BatchDecision {
  const outputs: OutgoingRecord[] = [];
  const deadLetters: DeadLetter[] = [];
  const unreachable = new Map<PhoneProblem, number>();
  for (const record of records) {
    const accepted = acceptRawRecord(record, ctx);
    if (!accepted.ok) {
      deadLetters.push({ record, reason: accepted.reason, error: accepted.error });
      continue;
    }
    const { event, phoneProblem } = accepted.value;
    if (phoneProblem) unreachable.set(phoneProblem, (unreachable.get(phoneProblem) ?? 0) + 1);
    outputs.push({ topic: outputTopic, key: cartKey(event.storeId, event.cartId), value: JSON.stringify(event) });
  }
  return { outputs, deadLetters, unreachable };
}
