import { TOPIC, TOPIC_RETENTION_DAYS } from '@lib/contracts';

const DAY_MS = 86_400_000;

/**
 * How long an erased shopper is remembered (by their phone's keyed hash): as long as a cart
 * event of theirs written before the erasure can still be read from `cart-events` (its
 * retention), plus a day for events written with an occurredAt in the future (ingest allows
 * minutes) and a consumer that was behind. After that no such event is left to bring the data
 * back, and the entry goes too.
 */
export const ERASED_SHOPPER_DAYS = (TOPIC_RETENTION_DAYS as Readonly<Record<string, number>>)[TOPIC.cartEvents] + 1;

/** An erasure the scheduler has done: the phone's hash, the store (null: every store), its time. */
export interface ErasedShopper {
  storeId: string | null;
  requestedAt: number;
}

/**
 * Whether a cart event is one of an erased shopper's, still in flight: it happened at or before
 * the erasure of its phone at its store (or at every store). Such an event is dropped, so it
 * cannot bring back what the erasure removed. An event that happened after the erasure is the
 * shopper coming back: a new cart, kept as any other (the sender's suppression still keeps an
 * opted-out shopper from being messaged).
 */
export function isErasedEvent(erased: readonly ErasedShopper[], storeId: string, occurredAt: number): boolean {
  return erased.some((e) => (e.storeId === null || e.storeId === storeId) && occurredAt <= e.requestedAt);
}

/** Whether an erased shopper's entry may go: no event of before the erasure can still be read. */
export function erasedShopperExpired(requestedAt: number, now: number): boolean {
  return now - requestedAt > ERASED_SHOPPER_DAYS * DAY_MS;
}
