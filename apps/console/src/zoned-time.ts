// Wall-clock times of the store's zone, as the browser's Intl knows them: for showing the
// services' instants and for asking them about a day or an hour the merchant picked.

type Parts = Record<'year' | 'month' | 'day' | 'hour' | 'minute', number>;

const formats = new Map<string, Intl.DateTimeFormat>();

function parts(ms: number, zone: string): Parts {
  let format = formats.get(zone);
  if (!format) {
    const options = {
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    } as const;
    try {
      format = new Intl.DateTimeFormat('en-US', { ...options, timeZone: zone });
    } catch {
      format = new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' });
    }
    formats.set(zone, format);
  }
  const all = format.formatToParts(ms);
  const get = (type: string) => Number(all.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute') };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The wall-clock time of `at` in `zone`, as a datetime-local input shows it. */
export function wallTime(at: Date, zone: string): string {
  const p = parts(at.getTime(), zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** The day (YYYY-MM-DD) of `at` in `zone`. */
export function dayOf(at: Date, zone: string): string {
  return wallTime(at, zone).slice(0, 10);
}

/** `HH:MM` of `at` in `zone`. */
export function clockOf(at: Date, zone: string): string {
  return wallTime(at, zone).slice(11);
}

/** The instant a wall-clock time of `zone` names (its offset found by asking Intl). */
export function zonedInstant(local: string, zone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(local);
  if (!m) return undefined;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0));
  let instant = guess - offsetMinutes(guess, zone) * 60_000;
  instant = guess - offsetMinutes(instant, zone) * 60_000;
  return new Date(instant);
}

function offsetMinutes(ms: number, zone: string): number {
  const p = parts(ms, zone);
  return Math.round(
    (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(ms / 60_000) * 60_000) / 60_000,
  );
}

/** The calendar day `n` days after `day` (YYYY-MM-DD). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let day = from; day <= to && out.length < 400; day = addDays(day, 1)) out.push(day);
  return out;
}

/** 0 = Monday … 6 = Sunday, for a calendar day. */
export function weekdayOf(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** "lunes, 7 de diciembre, 19:30" in the store's zone (UTC, said so, for a zone Intl lacks). */
export function formatWhen(at: Date, zone: string, language: string, withTime = true): string {
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
  };
  try {
    return new Intl.DateTimeFormat(language, { ...options, timeZone: zone }).format(at);
  } catch {
    return new Intl.DateTimeFormat(language, { ...options, timeZone: 'UTC' }).format(at) + ' UTC';
  }
}

/** A calendar day in words ("lun 7 dic"), read as a date, not an instant. */
export function formatDay(day: string, language: string, options: Intl.DateTimeFormatOptions): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(language, { ...options, timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d, 12)));
}
