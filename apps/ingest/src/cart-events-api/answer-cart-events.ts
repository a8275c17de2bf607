import { cartKey, type CartEventsAnswer, type EventAnswer, MAX_RECORD_BYTES } from '@lib/contracts';
import type { OutgoingRecord } from '@lib/kafka';
import { AcceptContext, acceptCandidate } from '../raw-events/accept-cart-event';

/** The most events one `POST /v1/cart-events` may carry. */
export const MAX_EVENTS_PER_REQUEST = 500;

/** The answer's shapes are the contracts' (CartEventsAnswerSchema, shown in docs/api/ingest.openapi.json). */
export type { CartEventsAnswer, EventAnswer };

export type RequestDecision =
  { ok: true; answer: CartEventsAnswer; outputs: OutgoingRecord[] } | { ok: false; error: string };

/**
 * Decides a `POST /v1/cart-events` body (one event or an array of up to 500): an answer per
 * event, in order, and the records to produce for the accepted ones. Pure: the caller
 * produces, and answers only once Kafka has acknowledged.
 */
export function answerCartEvents(body: unknown, ctx: AcceptContext, outputTopic: string): RequestDecision {
  const many = Array.isArray(body);
  const events: unknown[] = many ? body : [body];
  if (typeof body !== 'object' || body === null) {
    return { ok: false, error: 'the body must be one cart event (an object) or an array of them' };
  }
  if (events.length === 0) return { ok: false, error: 'the array holds no event' };
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    return { ok: false, error: `at most ${MAX_EVENTS_PER_REQUEST} events per request (got ${events.length})` };
  }
  const results: EventAnswer[] = [];
  const outputs: OutgoingRecord[] = [];
  for (const [index, candidate] of events.entries()) {
    const eventId = eventIdOf(candidate);
    const value = JSON.stringify(candidate) ?? '';
    if (Buffer.byteLength(value) > MAX_RECORD_BYTES) {
      results.push({
        index,
        eventId,
        status: 'rejected',
        reason: 'too-large',
        error: `over ${MAX_RECORD_BYTES} bytes`,
      });
      continue;
    }
    const accepted = acceptCandidate(candidate, ctx);
    if (!accepted.ok) {
      results.push({ index, eventId, status: 'rejected', reason: accepted.reason, error: accepted.error });
      continue;
    }
    const { event, phoneProblem } = accepted.value;
    const key = cartKey(event.storeId, event.cartId);
    outputs.push({ topic: outputTopic, key, value: JSON.stringify(event) });
    results.push(
      phoneProblem
        ? { index, eventId: event.eventId, status: 'accepted', key, phoneProblem }
        : { index, eventId: event.eventId, status: 'accepted', key },
    );
  }
  return {
    ok: true,
    answer: { accepted: outputs.length, rejected: results.length - outputs.length, results },
    outputs,
  };
}

function eventIdOf(candidate: unknown): string | undefined {
  const id = (candidate as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' ? id.slice(0, 200) : undefined;
}
