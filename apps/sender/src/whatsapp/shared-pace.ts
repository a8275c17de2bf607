/**
 * The even pace of a phone number shared by every sender instance (issue 12 §4): one send
 * every `spacing` per phone number id, whatever the number of processes. The slots live in
 * the database (`number_pace.next_slot_at`, on the database's clock); an instance reserves a
 * few consecutive ones at a time and hands them out locally. This file holds the arithmetic,
 * pure; the SQL is `deliver/number-pace.repository.ts`, the slots held and reserved
 * `shared-pace-slots.ts`, the queueing `throughput-limiter.ts`.
 */

/** Where the slots are reserved (the database in the sender). */
export interface PaceStore {
  /**
   * Reserves `count` consecutive slots `spacingMicros` apart for the phone number, after every
   * slot reserved before (by any instance) and not before the store's now. Answers how far the
   * first slot is from the store's clock at the reservation, in ms (≤ 0: due now).
   */
  reserve(phoneNumberId: string, count: number, spacingMicros: number): Promise<{ firstInMs: number }>;
}

/**
 * Microseconds between two slots of a number: (window + margin) / limit, rounded up to the
 * database's resolution (a µs), so rounding never puts two slots closer than the pace.
 */
export function paceSpacingMicros(windowMs: number, limit: number): number {
  return Math.ceil((windowMs * 1000) / limit);
}

/** The most slots one reservation takes: an eighth of the number's limit (10 at 80/s, 125 at 1,000/s). */
export function maxReservation(limit: number): number {
  return Math.max(1, Math.floor(limit / 8));
}

/**
 * How many slots to reserve now for a number (0: none). `waiting` sends wait for a slot and
 * `held` slots are already reserved and unused. One slot when idle, more when busy so a round
 * trip serves several sends, never more than the sends waiting (a reserved slot nobody uses
 * is capacity lost for every instance), and none while half a reservation is still held, so
 * one instance holds at most about 1.5 reservations ahead (≤ ~200 ms of the number's pace)
 * and the others' reservations interleave with its own.
 */
export function reservationSize(waiting: number, held: number, limit: number): number {
  const most = maxReservation(limit);
  if (waiting <= held || held >= Math.ceil(most / 2)) return 0;
  return Math.min(waiting - held, most);
}

/**
 * The local monotonic times of `count` slots whose first is `firstInMs` from the store's clock,
 * the store having answered between the local times `sentAt` and `answeredAt`. The store's
 * clock is read at some moment of that round trip; the midpoint is the closest guess (off by
 * at most half the round trip, either way), so instance clocks never matter, only the round trip.
 */
export function localSlots(
  firstInMs: number,
  sentAt: number,
  answeredAt: number,
  count: number,
  spacingMicros: number,
): number[] {
  const first = (sentAt + answeredAt) / 2 + firstInMs;
  const spacingMs = spacingMicros / 1000;
  return Array.from({ length: count }, (_, i) => first + i * spacingMs);
}

/** Wait before trying a failed reservation again: 100 ms doubling to 2 s. */
export function reserveRetryMs(failures: number): number {
  return Math.min(2000, 100 * 2 ** Math.max(0, failures - 1));
}
