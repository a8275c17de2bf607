import { isValidTimeZone, validateOpeningHours } from './index';

const week = (overrides: Record<string, unknown> = {}) => ({
  mon: [['09:00', '20:00']],
  tue: [],
  wed: [],
  thu: [],
  fri: [],
  sat: [],
  sun: [],
  ...overrides,
});

describe('validateOpeningHours', () => {
  it('accepts a valid week, adjacent intervals, 00:00 starts and 24:00 ends', () => {
    expect(
      validateOpeningHours(
        week({
          tue: [
            ['00:00', '12:00'],
            ['12:00', '24:00'],
          ],
        }),
      ),
    ).toEqual([]);
    expect(validateOpeningHours(week(), ['2026-12-25', '2028-02-29'])).toEqual([]);
  });

  it('names a time that is not HH:mm, with day and interval index', () => {
    expect(
      validateOpeningHours(
        week({
          wed: [
            ['09:00', '13:00'],
            ['9:30', '20:00'],
          ],
        }),
      ),
    ).toEqual(['openingHours.wed[1]: start "9:30" is not a time HH:mm between 00:00 and 23:59']);
    expect(validateOpeningHours(week({ thu: [['09:00', '25:00']] }))).toEqual([
      'openingHours.thu[0]: end "25:00" is not a time HH:mm between 00:00 and 23:59, or 24:00',
    ]);
    expect(validateOpeningHours(week({ fri: [['09:60', 1800]] }))).toEqual([
      'openingHours.fri[0]: start "09:60" is not a time HH:mm between 00:00 and 23:59',
      'openingHours.fri[0]: end 1800 is not a time HH:mm between 00:00 and 23:59, or 24:00',
    ]);
  });

  it('allows "24:00" only as an end', () => {
    expect(validateOpeningHours(week({ sat: [['24:00', '24:00']] }))).toEqual([
      'openingHours.sat[0]: start "24:00" is allowed only as an end (a day starts at 00:00)',
    ]);
  });

  it('requires start before end, pointing an overnight opening to two intervals', () => {
    expect(validateOpeningHours(week({ fri: [['20:00', '02:00']] }))).toEqual([
      'openingHours.fri[0]: start 20:00 is not before end 02:00 (an interval never crosses midnight: write an overnight opening as two intervals, until "24:00" and from "00:00" the next day)',
    ]);
    expect(validateOpeningHours(week({ sun: [['10:00', '10:00']] }))).toEqual([
      'openingHours.sun[0]: start 10:00 equals end 10:00, the interval is empty',
    ]);
  });

  it('reports overlapping intervals of one day, each pair once', () => {
    expect(
      validateOpeningHours(
        week({
          mon: [
            ['09:00', '14:00'],
            ['13:00', '20:00'],
            ['19:00', '21:00'],
            ['22:00', '23:00'],
          ],
        }),
      ),
    ).toEqual([
      'openingHours.mon[1]: 13:00–20:00 overlaps openingHours.mon[0] 09:00–14:00',
      'openingHours.mon[2]: 19:00–21:00 overlaps openingHours.mon[1] 13:00–20:00',
    ]);
    // Listed out of order, still named by their own indexes.
    expect(
      validateOpeningHours(
        week({
          tue: [
            ['12:00', '18:00'],
            ['08:00', '13:00'],
          ],
        }),
      ),
    ).toEqual(['openingHours.tue[1]: 08:00–13:00 overlaps openingHours.tue[0] 12:00–18:00']);
  });

  it('rejects unknown weekday keys and missing weekdays', () => {
    const { sun: _sun, ...noSunday } = week({ Monday: [['09:00', '10:00']] });
    expect(validateOpeningHours(noSunday)).toEqual([
      'openingHours.Monday: unknown weekday (expected one of mon, tue, wed, thu, fri, sat, sun)',
      'openingHours.sun: missing (use [] for a day the store is closed)',
    ]);
  });

  it('rejects shapes that are not lists of pairs', () => {
    expect(validateOpeningHours(null)).toEqual([
      'openingHours must be an object with one list of [start, end] intervals per weekday (mon, tue, wed, thu, fri, sat, sun)',
    ]);
    expect(validateOpeningHours(week({ mon: '09:00-20:00', tue: [['09:00', '12:00', '13:00']] }))).toEqual([
      'openingHours.mon: must be a list of [start, end] intervals, got "09:00-20:00"',
      'openingHours.tue[0]: must be [start, end] with two "HH:mm" times, got ["09:00","12:00","13:00"]',
    ]);
  });

  it('caps a day at 24 intervals', () => {
    const many = Array.from({ length: 25 }, (_, h) => [
      `${String(h % 24).padStart(2, '0')}:00`,
      `${String(h % 24).padStart(2, '0')}:30`,
    ]);
    expect(validateOpeningHours(week({ mon: many }))[0]).toBe('openingHours.mon: 25 intervals, at most 24 allowed');
  });

  it('names closed dates that are not YYYY-MM-DD calendar dates', () => {
    expect(validateOpeningHours(week(), ['2026-12-25', '2026-02-30', '25/12/2026', 20261225, '2027-02-29'])).toEqual([
      'closedDates[1]: "2026-02-30" is not a calendar date YYYY-MM-DD',
      'closedDates[2]: "25/12/2026" is not a calendar date YYYY-MM-DD',
      'closedDates[3]: 20261225 is not a calendar date YYYY-MM-DD',
      'closedDates[4]: "2027-02-29" is not a calendar date YYYY-MM-DD',
    ]);
    expect(validateOpeningHours(week(), '2026-12-25')).toEqual([
      'closedDates must be a list of YYYY-MM-DD dates, got "2026-12-25"',
    ]);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA zones and rejects the rest', () => {
    expect(isValidTimeZone('Europe/Madrid')).toBe(true);
    expect(isValidTimeZone('Australia/Lord_Howe')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('+02:00')).toBe(false);
  });
});
