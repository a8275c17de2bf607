// Local calendar arithmetic on "wall" milliseconds: a local date-time read as if it were UTC.
// Working in wall ms lets a schedule be searched with plain integers; only the zone offset
// (zone-offsets.ts) needs luxon.
import { WEEKDAYS, type Weekday } from '@lib/contracts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Day number (days since 1970-01-01) of a wall time. */
export function dayOf(wallMs: number): number {
  return Math.floor(wallMs / DAY_MS);
}

/** Index into WEEKDAYS (mon = 0) of a day number; 1970-01-01 was a Thursday. */
export function weekdayIndexOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

export function weekdayOf(day: number): Weekday {
  return WEEKDAYS[weekdayIndexOf(day)];
}

/** "YYYY-MM-DD" of a day number. */
export function isoDateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a "YYYY-MM-DD" calendar date, or NaN when it is not one (2026-02-30 is not). */
export function dayOfIsoDate(text: string): number {
  const m = ISO_DATE.exec(text);
  if (!m) return NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear keeps the year as written.
  date.setUTCFullYear(year);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return NaN;
  return Math.floor(date.getTime() / DAY_MS);
}

/** "HH:mm" of a minute of the day (0–1440). */
export function hhmm(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
}
