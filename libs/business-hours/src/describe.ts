// A schedule in one line, for people: the send preview answers it to merchants.
import { DAY_MS, dayOf, HOUR_MS, hhmm, isoDateOf, MINUTE_MS, weekdayIndexOf } from './calendar';
import type { StoreSchedule } from './opening-hours';
import { compileSchedule, firstClosedInstant, firstOpenInstant, instantOf, isOpenCompiled } from './schedule';

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Local weekday, and date when more than six days away, and time of an instant. */
function when(wall: number, fromWall: number, allowMidnightAsEnd: boolean): string {
  const day = dayOf(wall);
  const minute = Math.round((wall - day * DAY_MS) / MINUTE_MS);
  const fromDay = dayOf(fromWall);
  // Closing at midnight reads "until 24:00" of the day it closes, not "until Tue 00:00".
  if (allowMidnightAsEnd && minute === 0 && day === fromDay + 1) return '24:00';
  if (day === fromDay) return hhmm(minute);
  const date = day - fromDay > 6 ? ` ${isoDateOf(day)}` : '';
  return `${DAY_NAMES[weekdayIndexOf(day)]}${date} ${hhmm(minute)}`;
}

/**
 * "open now until 20:00 Europe/Madrid", "open now until Tue 02:00 Europe/Madrid",
 * "opens Mon 09:00 Europe/Madrid" (the weekday always named for an opening; the date too when
 * more than six days away), "open now around the clock Europe/Madrid", or "never opens".
 */
export function describeSchedule(schedule: StoreSchedule, at: Date = new Date()): string {
  const s = compileSchedule(schedule);
  const now = instantOf(at, 'at');
  const zone = schedule.timezone;
  const nowWall = now + s.timeline.offsetAt(now);
  if (isOpenCompiled(s, now)) {
    const closes = firstClosedInstant(s, now, now + 8 * 24 * HOUR_MS);
    if (Number.isNaN(closes)) return `open now around the clock ${zone}`;
    return `open now until ${when(closes + s.timeline.offsetAt(closes), nowWall, true)} ${zone}`;
  }
  let ahead = 0;
  for (const day of s.closed) if (day >= dayOf(nowWall) - 1) ahead++;
  const opens = firstOpenInstant(s, now, now + ((ahead + 1) * 7 + 2) * DAY_MS);
  if (Number.isNaN(opens)) return 'never opens';
  const opensWall = opens + s.timeline.offsetAt(opens);
  const text = when(opensWall, nowWall, false);
  // An opening later today still names the weekday: "opens Mon 09:00", as merchants read it.
  return `opens ${dayOf(opensWall) === dayOf(nowWall) ? `${DAY_NAMES[weekdayIndexOf(dayOf(opensWall))]} ${text}` : text} ${zone}`;
}
