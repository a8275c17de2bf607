// When a store is open, and the earliest open instant from a given one.
//
// An instant is open when its local wall time (in the store's zone) falls in one of the
// intervals of its local weekday, start inclusive, end exclusive, on a date that is not closed.
// Time is cut into segments of constant UTC offset; inside one, wall time = instant + offset is a
// plain increasing line, so the search is integer arithmetic on wall ms. Moving to the next
// segment is what settles daylight saving: after a spring-forward jump the wall clock resumes
// at the later time (an interval starting inside the gap is open from the jump), after a
// fall-back it resumes at the earlier time (repeated wall times are open both times).
import { WEEKDAYS } from '@lib/contracts';
import { DAY_MS, dayOf, HOUR_MS, weekdayIndexOf } from './calendar';
import {
  compileClosedDates,
  compileOpeningHours,
  type CompiledHours,
  type OpeningHours,
  type StoreSchedule,
} from './opening-hours';
import { timelineOf, type ZoneTimeline } from './zone-offsets';

export interface CompiledSchedule {
  timeline: ZoneTimeline;
  hours: CompiledHours;
  closed: ReadonlySet<number>;
}

// Compiling opening hours and closed dates costs more than the search itself, and the same
// settings objects come back for every cart of a store. So the compiled form is kept per object,
// with a shallow copy of what it was compiled from: an object changed in place since (a day's
// list replaced or pushed to, a time rewritten, a date added) is compiled again, never misread.
const compiledHours = new WeakMap<object, { seen: unknown[]; hours: CompiledHours }>();
const compiledClosed = new WeakMap<object, { seen: string[]; days: ReadonlySet<number> }>();

function hoursSnapshot(openingHours: OpeningHours): unknown[] {
  const seen: unknown[] = [];
  for (const day of WEEKDAYS) {
    const intervals = openingHours[day];
    seen.push(intervals, intervals.length);
    for (const interval of intervals) seen.push(interval, interval[0], interval[1]);
  }
  return seen;
}

function sameHours(openingHours: OpeningHours, seen: unknown[]): boolean {
  let i = 0;
  for (const day of WEEKDAYS) {
    const intervals = openingHours[day];
    if (intervals !== seen[i++] || intervals.length !== seen[i++]) return false;
    for (const interval of intervals) {
      if (interval !== seen[i++] || interval.length !== 2 || interval[0] !== seen[i++] || interval[1] !== seen[i++])
        return false;
    }
  }
  return true;
}

function hoursOf(openingHours: OpeningHours): CompiledHours {
  const cached =
    typeof openingHours === 'object' && openingHours !== null ? compiledHours.get(openingHours) : undefined;
  if (cached && sameHours(openingHours, cached.seen)) return cached.hours;
  const hours = compileOpeningHours(openingHours); // throws on invalid hours, which are never kept
  compiledHours.set(openingHours, { seen: hoursSnapshot(openingHours), hours });
  return hours;
}

function closedDaysOf(closedDates: readonly string[] | undefined): ReadonlySet<number> {
  if (!Array.isArray(closedDates) || closedDates.length === 0) return compileClosedDates(closedDates);
  const cached = compiledClosed.get(closedDates);
  if (cached && cached.seen.length === closedDates.length && cached.seen.every((d, i) => d === closedDates[i]))
    return cached.days;
  const days = compileClosedDates(closedDates);
  compiledClosed.set(closedDates, { seen: [...closedDates], days });
  return days;
}

export function compileSchedule(schedule: StoreSchedule): CompiledSchedule {
  const timeline = timelineOf(schedule.timezone);
  if (!timeline) throw new RangeError(`unknown time zone ${JSON.stringify(schedule.timezone)} (expected an IANA zone)`);
  return { timeline, hours: hoursOf(schedule.openingHours), closed: closedDaysOf(schedule.closedDates) };
}

// Zone data (and Date itself, from year 275760) runs out far before the ends of the number line.
const EARLIEST = Date.UTC(1000, 0, 1);
const LATEST = Date.UTC(9999, 0, 1);

function instantOf(at: Date, what: string): number {
  const ms = at instanceof Date ? at.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a valid Date`);
  if (ms < EARLIEST || ms > LATEST) throw new RangeError(`${what} must lie between the years 1000 and 9999`);
  return ms;
}

/** Earliest open wall time in [fromWall, toWall), or NaN. */
function firstOpenWall(s: CompiledSchedule, fromWall: number, toWall: number): number {
  let day = dayOf(fromWall);
  for (let dayStart = day * DAY_MS; dayStart < toWall; day++, dayStart += DAY_MS) {
    if (s.closed.has(day)) continue;
    const intervals = s.hours.days[weekdayIndexOf(day)];
    for (let k = 0; k < intervals.length; k += 2) {
      // Intervals are sorted by start: the first one still running at fromWall is the earliest.
      if (dayStart + intervals[k + 1] <= fromWall) continue;
      const start = dayStart + intervals[k];
      const at = start > fromWall ? start : fromWall;
      return at < toWall ? at : NaN;
    }
  }
  return NaN;
}

/** Earliest closed wall time in [fromWall, toWall), or NaN. */
function firstClosedWall(s: CompiledSchedule, fromWall: number, toWall: number): number {
  let wall = fromWall;
  while (wall < toWall) {
    const day = dayOf(wall);
    if (s.closed.has(day)) return wall;
    const intervals = s.hours.days[weekdayIndexOf(day)];
    const time = wall - day * DAY_MS;
    let end = NaN;
    for (let k = 0; k < intervals.length; k += 2) {
      if (intervals[k] <= time && time < intervals[k + 1]) end = intervals[k + 1];
    }
    if (Number.isNaN(end)) return wall;
    wall = day * DAY_MS + end; // open until this interval's end; adjacent intervals continue it
  }
  return NaN;
}

/** Earliest open instant in [fromMs, limitMs] (limit inclusive), or NaN. */
export function firstOpenInstant(s: CompiledSchedule, fromMs: number, limitMs: number): number {
  if (!s.hours.opensAtAll) return NaN;
  for (let t = fromMs; t <= limitMs;) {
    const segment = s.timeline.segmentAt(t);
    const end = segment.endMs <= limitMs ? segment.endMs : limitMs + 1;
    const wall = firstOpenWall(s, t + segment.offsetMs, end + segment.offsetMs);
    if (!Number.isNaN(wall)) return wall - segment.offsetMs;
    t = segment.endMs;
  }
  return NaN;
}

/** Earliest closed instant in [fromMs, limitMs], or NaN. */
export function firstClosedInstant(s: CompiledSchedule, fromMs: number, limitMs: number): number {
  for (let t = fromMs; t <= limitMs;) {
    const segment = s.timeline.segmentAt(t);
    const end = segment.endMs <= limitMs ? segment.endMs : limitMs + 1;
    const wall = firstClosedWall(s, t + segment.offsetMs, end + segment.offsetMs);
    if (!Number.isNaN(wall)) return wall - segment.offsetMs;
    t = segment.endMs;
  }
  return NaN;
}

export function isOpenCompiled(s: CompiledSchedule, atMs: number): boolean {
  const wall = atMs + s.timeline.offsetAt(atMs);
  const day = dayOf(wall);
  if (s.closed.has(day)) return false;
  const time = wall - day * DAY_MS;
  const intervals = s.hours.days[weekdayIndexOf(day)];
  for (let k = 0; k < intervals.length; k += 2) if (intervals[k] <= time && time < intervals[k + 1]) return true;
  return false;
}

/** Whether the store is open at `at` (its local wall time inside an interval of a date not closed). */
export function isOpen(at: Date, schedule: StoreSchedule): boolean {
  return isOpenCompiled(compileSchedule(schedule), instantOf(at, 'at'));
}

/**
 * Hours to search when the caller names no limit: long enough to get past every closed date
 * still ahead, since a weekly opening can be hidden by that many closed dates in a row, plus
 * a spare day for a day a zone skipped (Pacific/Apia, 2011-12-30).
 */
function defaultLimitHours(s: CompiledSchedule, afterMs: number): number {
  const today = dayOf(afterMs) - 1;
  let ahead = 0;
  for (const day of s.closed) if (day >= today) ahead++;
  return ((ahead + 1) * 7 + 2) * 24;
}

/**
 * The earliest open instant at or after `after` (so `after` itself when open), or null when
 * none comes within `limitHours` (default: far enough to see past every closed date ahead).
 */
export function nextOpening(after: Date, schedule: StoreSchedule, limitHours?: number): Date | null {
  const s = compileSchedule(schedule);
  const from = instantOf(after, 'after');
  const hours = limitHours ?? defaultLimitHours(s, from);
  if (!(hours >= 0)) throw new RangeError('limitHours must be a number ≥ 0');
  const found = firstOpenInstant(s, from, from + hours * HOUR_MS);
  return Number.isNaN(found) ? null : new Date(found);
}

/** The earliest closed instant at or after `after`, or null when none comes within `limitHours`. */
export function nextClosing(after: Date, schedule: StoreSchedule, limitHours = 8 * 24): Date | null {
  const s = compileSchedule(schedule);
  const from = instantOf(after, 'after');
  if (!(limitHours >= 0)) throw new RangeError('limitHours must be a number ≥ 0');
  const found = firstClosedInstant(s, from, from + limitHours * HOUR_MS);
  return Number.isNaN(found) ? null : new Date(found);
}

export { instantOf };
