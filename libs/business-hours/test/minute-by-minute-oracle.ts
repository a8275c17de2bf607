// The contract read literally, for the property tests: an instant is open when luxon says its
// local wall time falls in an interval of its local weekday on a date that is not closed; the
// answer is found by trying `desired` and then every whole minute after it. This is exact for
// zones whose offsets and transitions fall on whole minutes (every zone since 1980), because
// whether a store is open can change only at a whole minute then. Slow on purpose, and shares
// no code with the library.
import { DateTime } from 'luxon';

const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface OracleSchedule {
  timezone: string;
  openingHours: Record<(typeof DAY_KEYS)[number], Array<[string, string]>>;
  closedDates?: readonly string[];
}

function msOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h * 60 + m) * 60_000;
}

export function oracleIsOpen(atMs: number, schedule: OracleSchedule): boolean {
  const local = DateTime.fromMillis(atMs, { zone: schedule.timezone });
  if (schedule.closedDates?.includes(local.toISODate()!)) return false;
  const ms = ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.millisecond;
  return schedule.openingHours[DAY_KEYS[local.weekday - 1]].some(([s, e]) => msOfDay(s) <= ms && ms < msOfDay(e));
}

/** Earliest open instant in [fromMs, limitMs], or null. */
export function oracleNextOpening(fromMs: number, limitMs: number, schedule: OracleSchedule): number | null {
  if (fromMs > limitMs) return null;
  if (oracleIsOpen(fromMs, schedule)) return fromMs;
  for (let t = Math.floor(fromMs / 60_000) * 60_000 + 60_000; t <= limitMs; t += 60_000) {
    if (oracleIsOpen(t, schedule)) return t;
  }
  return null;
}

export function oraclePlanSend(input: {
  detectedAt: Date;
  sendDelayMinutes: number;
  maxDeferralHours: number;
  schedule: OracleSchedule;
}): number | null {
  const detected = input.detectedAt.getTime();
  return oracleNextOpening(
    detected + input.sendDelayMinutes * 60_000,
    detected + input.maxDeferralHours * 3_600_000,
    input.schedule,
  );
}

const transitionCache = new Map<string, number[]>();

/**
 * Instants in a year when the zone's offset changes, found by scanning luxon's offsets day by
 * day, then hour by hour, then minute by minute. Lets tests draw instants around clock changes.
 */
export function offsetChangesIn(zone: string, year: number): number[] {
  const key = `${zone} ${year}`;
  const cached = transitionCache.get(key);
  if (cached) return cached;
  const offset = (t: number) => DateTime.fromMillis(t, { zone }).offset;
  const changes: number[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  const refine = (from: number, to: number, step: number): number => {
    for (let t = from + step; t <= to; t += step) if (offset(t) !== offset(from)) return t - step;
    return to;
  };
  for (let day = Date.UTC(year, 0, 1); day < end; day += 86_400_000) {
    if (offset(day) === offset(day + 86_400_000)) continue;
    let t = day;
    // walk every change within the day, minute-exact
    while (t < day + 86_400_000 && offset(t) !== offset(day + 86_400_000)) {
      const hour = refine(t, day + 86_400_000, 3_600_000);
      const minute = refine(hour, hour + 3_600_000, 60_000) + 60_000;
      changes.push(minute);
      t = minute;
    }
  }
  transitionCache.set(key, changes);
  return changes;
}
