// planSend, isOpen and nextOpening against a brute-force reading of the contract
// (test/minute-by-minute-oracle.ts) over random zones, schedules and instants, with instants
// drawn around the nights clocks change so gaps and overlaps are hit often.
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { isOpen, nextClosing, nextOpening, planSend, validateOpeningHours, type OpeningHours } from './index';
import { offsetChangesIn, oracleIsOpen, oracleNextOpening, oraclePlanSend } from '../test/minute-by-minute-oracle';

const DST_AND_ODD_ZONES = [
  'Europe/Madrid',
  'America/New_York',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'America/Sao_Paulo',
  'Pacific/Apia',
  'Pacific/Chatham',
  'America/St_Johns',
  'Africa/Casablanca',
  'America/Havana',
  'Asia/Tehran',
  'Antarctica/Troll',
  'Europe/Dublin',
  'America/Asuncion',
  'Pacific/Kiritimati',
  'UTC',
];
const ALL_ZONES = Intl.supportedValuesOf('timeZone');
const zoneArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...DST_AND_ODD_ZONES) },
  { weight: 1, arbitrary: fc.constantFrom(...ALL_ZONES) },
);

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

// Boundaries favour the small hours, where clocks change, and whole/half hours.
const boundaryArb = fc.oneof(
  fc.integer({ min: 0, max: 48 }).map((h) => h * 30),
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 1440 }),
);
const dayArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Array<[string, string]>>([]) },
  {
    weight: 3,
    arbitrary: fc.uniqueArray(boundaryArb, { minLength: 2, maxLength: 6 }).map((raw) => {
      const b = [...raw].sort((x, y) => x - y);
      if (b.length % 2) b.pop();
      const intervals: Array<[string, string]> = [];
      for (let i = 0; i < b.length; i += 2) intervals.push([hhmm(b[i]), hhmm(b[i + 1])]);
      return intervals;
    }),
  },
);
const hoursArb: fc.Arbitrary<OpeningHours> = fc.record({
  mon: dayArb,
  tue: dayArb,
  wed: dayArb,
  thu: dayArb,
  fri: dayArb,
  sat: dayArb,
  sun: dayArb,
});

// An instant from 30 hours before to 6 hours after a clock change of the zone (most runs, and
// often within the hour or two around it, where a repeated hour is searched), or anywhere in
// 1995–2040.
const HOUR = 3_600_000;
const instantArb = (zoneArbitrary: fc.Arbitrary<string>) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record({
          zone: zoneArbitrary,
          year: fc.integer({ min: 2005, max: 2030 }),
          pick: fc.nat(),
          before: fc.oneof(
            fc.integer({ min: -2 * HOUR, max: 3 * HOUR }),
            fc.integer({ min: -6 * HOUR, max: 30 * HOUR }),
          ),
        })
        .map(({ zone, year, pick, before }) => {
          const changes = offsetChangesIn(zone, year);
          const change = changes.length ? changes[pick % changes.length] : undefined;
          const at = change ?? Date.UTC(year, pick % 12, 1 + (pick % 28));
          return { zone, at: at - before, change };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        zone: zoneArbitrary,
        at: fc.integer({ min: Date.UTC(1995, 0, 1), max: Date.UTC(2040, 0, 1) }),
        change: fc.constant(undefined),
      }),
    },
  );

// A zone, an instant and a week; in half the runs near a clock change, the weekday of the change
// gets intervals whose ends lie within 90 minutes of the wall times just before and just after
// it, so starts and ends inside gaps and repeated hours are common.
const caseArb = (zoneArbitrary: fc.Arbitrary<string>) =>
  instantArb(zoneArbitrary).chain(({ zone, at, change }) =>
    fc
      .record({
        openingHours: hoursArb,
        near: fc.option(
          fc.uniqueArray(fc.record({ after: fc.boolean(), steps: fc.integer({ min: -9, max: 9 }) }), {
            minLength: 2,
            maxLength: 4,
          }),
        ),
      })
      .map(({ openingHours, near }) => {
        if (change === undefined || near === null) return { zone, at, openingHours };
        const wallBefore = DateTime.fromMillis(change - 1, { zone });
        const wallAfter = DateTime.fromMillis(change, { zone });
        const minuteOf = (t: DateTime) => t.hour * 60 + t.minute;
        const bounds = [
          ...new Set(
            near.map(({ after, steps }) =>
              Math.min(1440, Math.max(0, minuteOf(after ? wallAfter : wallBefore) + (after ? 0 : 1) + steps * 10)),
            ),
          ),
        ].sort((x, y) => x - y);
        if (bounds.length % 2) bounds.pop();
        const intervals: Array<[string, string]> = [];
        for (let i = 0; i < bounds.length; i += 2) intervals.push([hhmm(bounds[i]), hhmm(bounds[i + 1])]);
        const day = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const)[wallBefore.weekday - 1];
        return { zone, at, openingHours: { ...openingHours, [day]: intervals } };
      }),
  );

const closedOffsetsArb = fc.uniqueArray(fc.integer({ min: -1, max: 16 }), { maxLength: 6 });
const closedDatesOf = (zone: string, at: number, offsets: number[]) =>
  offsets.map((n) => DateTime.fromMillis(at, { zone }).plus({ days: n }).toISODate()!);

describe('planSend against a minute-by-minute oracle', () => {
  it('never answers before desired, always answers an open instant, leaves no open instant between, and is null exactly when none comes within maxDeferralHours', () => {
    fc.assert(
      fc.property(
        caseArb(zoneArb),
        closedOffsetsArb,
        fc.integer({ min: 0, max: 90 }),
        fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 336 })),
        ({ zone, at, openingHours }, closedOffsets, sendDelayMinutes, maxDeferralHours) => {
          const closedDates = closedDatesOf(zone, at, closedOffsets);
          const detectedAt = new Date(at);
          const schedule = { timezone: zone, openingHours, closedDates };
          const answer = planSend({ detectedAt, ...schedule, sendDelayMinutes, maxDeferralHours });
          const expected = oraclePlanSend({ detectedAt, sendDelayMinutes, maxDeferralHours, schedule });
          const desired = at + sendDelayMinutes * 60_000;
          if (answer === null) {
            // null exactly when no open instant exists in [desired, detectedAt + maxDeferralHours]
            expect(expected).toBeNull();
            return;
          }
          const t = answer.getTime();
          expect(t).toBeGreaterThanOrEqual(desired);
          expect(t).toBeLessThanOrEqual(at + maxDeferralHours * 3_600_000);
          expect(oracleIsOpen(t, schedule)).toBe(true);
          // no open instant in [desired, answer): the oracle's earliest is the answer itself
          expect(expected).toBe(t);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with the oracle on whether an instant is open', () => {
    fc.assert(
      fc.property(caseArb(zoneArb), closedOffsetsArb, ({ zone, at, openingHours }, closedOffsets) => {
        const schedule = { timezone: zone, openingHours, closedDates: closedDatesOf(zone, at, closedOffsets) };
        expect(isOpen(new Date(at), schedule)).toBe(oracleIsOpen(at, schedule));
      }),
      { numRuns: 1000 },
    );
  });

  it('nextOpening is the earliest open instant at or after the given one', () => {
    fc.assert(
      fc.property(
        caseArb(fc.constantFrom(...DST_AND_ODD_ZONES)),
        closedOffsetsArb,
        fc.integer({ min: 0, max: 100 }),
        ({ zone, at, openingHours }, closedOffsets, limitHours) => {
          const schedule = { timezone: zone, openingHours, closedDates: closedDatesOf(zone, at, closedOffsets) };
          const found = nextOpening(new Date(at), schedule, limitHours);
          expect(found?.getTime() ?? null).toBe(oracleNextOpening(at, at + limitHours * 3_600_000, schedule));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('nextClosing is the earliest closed instant at or after the given one', () => {
    fc.assert(
      fc.property(
        caseArb(fc.constantFrom(...DST_AND_ODD_ZONES)),
        closedOffsetsArb,
        ({ zone, at, openingHours }, closedOffsets) => {
          const schedule = { timezone: zone, openingHours, closedDates: closedDatesOf(zone, at, closedOffsets) };
          const limitHours = 30;
          let expected: number | null = oracleIsOpen(at, schedule) ? null : at;
          for (
            let t = Math.floor(at / 60_000) * 60_000 + 60_000;
            expected === null && t <= at + limitHours * 3_600_000;
            t += 60_000
          )
            if (!oracleIsOpen(t, schedule)) expected = t;
          expect(nextClosing(new Date(at), schedule, limitHours)?.getTime() ?? null).toBe(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finds generated schedules valid', () => {
    fc.assert(
      fc.property(hoursArb, (openingHours) => {
        expect(validateOpeningHours(openingHours)).toEqual([]);
      }),
    );
  });
});
