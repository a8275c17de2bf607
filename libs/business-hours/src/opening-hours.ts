// Opening hours and closed dates as the store writes them ("HH:mm" strings, YYYY-MM-DD dates),
// checked with messages a merchant can act on, and compiled to numbers for the search.
import { WEEKDAYS, type StoreSettings, type Weekday } from '@lib/contracts';
import { dayOfIsoDate, MINUTE_MS } from './calendar';

export type OpeningHours = StoreSettings['openingHours'];

/** What the schedule functions need to know about a store. */
export interface StoreSchedule {
  /** IANA zone the opening hours are written in. */
  timezone: string;
  openingHours: OpeningHours;
  /** Local dates (YYYY-MM-DD) the store stays closed all day. */
  closedDates?: readonly string[];
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MAX_INTERVALS_PER_DAY = 24;

/** Minute of the day of "HH:mm" (00:00–23:59, and "24:00" when it is an end), else NaN. */
function minuteOf(text: unknown, isEnd: boolean): number {
  if (typeof text !== 'string') return NaN;
  if (text === '24:00') return isEnd ? 1440 : NaN;
  const m = TIME.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

/**
 * Everything wrong with opening hours (and closed dates, when given), one message per problem,
 * naming the day, the interval index and what is wrong. Empty when valid.
 */
export function validateOpeningHours(openingHours: unknown, closedDates?: unknown): string[] {
  const problems: string[] = [];
  if (typeof openingHours !== 'object' || openingHours === null || Array.isArray(openingHours)) {
    problems.push(
      `openingHours must be an object with one list of [start, end] intervals per weekday (${WEEKDAYS.join(', ')})`,
    );
  } else {
    const hours = openingHours as Record<string, unknown>;
    for (const key of Object.keys(hours)) {
      if (!(WEEKDAYS as readonly string[]).includes(key))
        problems.push(`openingHours.${key}: unknown weekday (expected one of ${WEEKDAYS.join(', ')})`);
    }
    for (const day of WEEKDAYS) problems.push(...dayProblems(day, hours[day]));
  }
  if (closedDates !== undefined) problems.push(...closedDateProblems(closedDates));
  return problems;
}

function dayProblems(day: Weekday, intervals: unknown): string[] {
  if (intervals === undefined) return [`openingHours.${day}: missing (use [] for a day the store is closed)`];
  if (!Array.isArray(intervals))
    return [`openingHours.${day}: must be a list of [start, end] intervals, got ${show(intervals)}`];
  const problems: string[] = [];
  if (intervals.length > MAX_INTERVALS_PER_DAY)
    problems.push(`openingHours.${day}: ${intervals.length} intervals, at most ${MAX_INTERVALS_PER_DAY} allowed`);
  const good: Array<{ index: number; start: number; end: number; text: string }> = [];
  intervals.forEach((interval: unknown, index) => {
    const where = `openingHours.${day}[${index}]`;
    if (!Array.isArray(interval) || interval.length !== 2) {
      problems.push(`${where}: must be [start, end] with two "HH:mm" times, got ${show(interval)}`);
      return;
    }
    const [startText, endText] = interval as unknown[];
    const start = minuteOf(startText, false);
    const end = minuteOf(endText, true);
    if (Number.isNaN(start))
      problems.push(
        startText === '24:00'
          ? `${where}: start "24:00" is allowed only as an end (a day starts at 00:00)`
          : `${where}: start ${show(startText)} is not a time HH:mm between 00:00 and 23:59`,
      );
    if (Number.isNaN(end))
      problems.push(`${where}: end ${show(endText)} is not a time HH:mm between 00:00 and 23:59, or 24:00`);
    if (Number.isNaN(start) || Number.isNaN(end)) return;
    if (start >= end) {
      problems.push(
        start === end
          ? `${where}: start ${startText} equals end ${endText}, the interval is empty`
          : `${where}: start ${startText} is not before end ${endText} (an interval never crosses midnight: write an overnight opening as two intervals, until "24:00" and from "00:00" the next day)`,
      );
      return;
    }
    good.push({ index, start, end, text: `${startText}–${endText}` });
  });
  good.sort((a, b) => a.start - b.start || a.index - b.index);
  for (let i = 1; i < good.length; i++) {
    // Compare with the interval reaching furthest so far, so each overlap is reported once.
    const earlier = good.slice(0, i).reduce((a, b) => (b.end > a.end ? b : a));
    const later = good[i];
    if (later.start < earlier.end) {
      const [first, second] = earlier.index < later.index ? [earlier, later] : [later, earlier];
      problems.push(
        `openingHours.${day}[${second.index}]: ${second.text} overlaps openingHours.${day}[${first.index}] ${first.text}`,
      );
    }
  }
  return problems;
}

function closedDateProblems(closedDates: unknown): string[] {
  if (!Array.isArray(closedDates)) return [`closedDates must be a list of YYYY-MM-DD dates, got ${show(closedDates)}`];
  const problems: string[] = [];
  closedDates.forEach((date: unknown, index) => {
    if (typeof date !== 'string' || Number.isNaN(dayOfIsoDate(date)))
      problems.push(`closedDates[${index}]: ${show(date)} is not a calendar date YYYY-MM-DD`);
  });
  return problems;
}

/** Opening hours as numbers: per weekday (mon = 0), a flat sorted list start0, end0, start1, … in wall ms. */
export interface CompiledHours {
  days: number[][];
  opensAtAll: boolean;
}

/** Compiles valid opening hours; throws a RangeError listing the problems otherwise. */
export function compileOpeningHours(openingHours: OpeningHours): CompiledHours {
  const days: number[][] = [];
  let opensAtAll = false;
  let valid = typeof openingHours === 'object' && openingHours !== null;
  if (valid) {
    for (const key in openingHours) if (!(WEEKDAYS as readonly string[]).includes(key)) valid = false;
  }
  for (let d = 0; valid && d < 7; d++) {
    const intervals = openingHours[WEEKDAYS[d]];
    if (!Array.isArray(intervals) || intervals.length > MAX_INTERVALS_PER_DAY) {
      valid = false;
      break;
    }
    const pairs: Array<[number, number]> = [];
    for (const interval of intervals) {
      const start = Array.isArray(interval) && interval.length === 2 ? minuteOf(interval[0], false) : NaN;
      const end = Array.isArray(interval) && interval.length === 2 ? minuteOf(interval[1], true) : NaN;
      if (!(start < end)) {
        valid = false;
        break;
      }
      pairs.push([start, end]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    const flat: number[] = [];
    for (let i = 0; i < pairs.length; i++) {
      if (i > 0 && pairs[i][0] < pairs[i - 1][1]) valid = false;
      flat.push(pairs[i][0] * MINUTE_MS, pairs[i][1] * MINUTE_MS);
    }
    if (flat.length) opensAtAll = true;
    days.push(flat);
  }
  if (!valid) throw new RangeError(`invalid opening hours: ${validateOpeningHours(openingHours).join('; ')}`);
  return { days, opensAtAll };
}

const NO_CLOSED_DAYS: ReadonlySet<number> = new Set();

/** Closed dates as day numbers; throws a RangeError naming the bad ones. */
export function compileClosedDates(closedDates: readonly string[] | undefined): ReadonlySet<number> {
  if (closedDates === undefined) return NO_CLOSED_DAYS;
  if (!Array.isArray(closedDates))
    throw new RangeError(`invalid closed dates: ${closedDateProblems(closedDates).join('; ')}`);
  if (closedDates.length === 0) return NO_CLOSED_DAYS;
  const days = new Set<number>();
  for (const date of closedDates) {
    const day = typeof date === 'string' ? dayOfIsoDate(date) : NaN;
    if (Number.isNaN(day)) throw new RangeError(`invalid closed dates: ${closedDateProblems(closedDates).join('; ')}`);
    days.add(day);
  }
  return days;
}
