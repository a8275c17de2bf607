// The send plan of the contract ("When a message goes out", docs/business-hours.md).
import { HOUR_MS, MINUTE_MS } from './calendar';
import type { OpeningHours } from './opening-hours';
import { compileSchedule, firstOpenInstant, instantOf } from './schedule';

export interface PlanSendInput {
  /** When the cart counted as abandoned: last activity plus abandonAfterMinutes. */
  detectedAt: Date;
  /** IANA zone the opening hours are written in. */
  timezone: string;
  openingHours: OpeningHours;
  /** Local dates (YYYY-MM-DD) the store stays closed all day. */
  closedDates?: readonly string[];
  sendDelayMinutes: number;
  maxDeferralHours: number;
}

/**
 * When the message for an abandoned cart goes out: the earliest open instant at or after
 * detectedAt + sendDelayMinutes, or null when that is more than maxDeferralHours after
 * detectedAt (or the store never opens): the message then expires instead of going out late.
 * Throws a RangeError on an unknown zone, invalid opening hours or closed dates, or bad numbers.
 */
export function planSend(input: PlanSendInput): Date | null {
  const detectedAt = instantOf(input.detectedAt, 'detectedAt');
  const { sendDelayMinutes, maxDeferralHours } = input;
  if (!(sendDelayMinutes >= 0) || !Number.isFinite(sendDelayMinutes))
    throw new RangeError(`sendDelayMinutes must be a number ≥ 0, got ${sendDelayMinutes}`);
  if (!(maxDeferralHours >= 0) || !Number.isFinite(maxDeferralHours))
    throw new RangeError(`maxDeferralHours must be a number ≥ 0, got ${maxDeferralHours}`);
  const schedule = compileSchedule(input);
  const desired = detectedAt + Math.round(sendDelayMinutes * MINUTE_MS);
  const found = firstOpenInstant(schedule, desired, detectedAt + Math.round(maxDeferralHours * HOUR_MS));
  return Number.isNaN(found) ? null : new Date(found);
}
