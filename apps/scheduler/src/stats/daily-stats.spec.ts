import { dailyRange } from './daily-stats';

describe('dailyRange', () => {
  it('counts the days whose UTC midnight is in [from, to)', () => {
    expect(dailyRange(new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'))).toEqual({
      firstDay: '2026-01-01',
      endDay: '2026-02-01',
    });
    // Mid-day ends: the first day's midnight is before `from`, so it is left out; the last one is in.
    expect(dailyRange(new Date('2026-01-01T10:00:00Z'), new Date('2026-01-03T10:00:00Z'))).toEqual({
      firstDay: '2026-01-02',
      endDay: '2026-01-04',
    });
    // An offset is read as the instant it names.
    expect(dailyRange(new Date('2026-01-01T00:00:00+01:00'), new Date('2026-01-02T01:00:00+01:00'))).toEqual({
      firstDay: '2026-01-01',
      endDay: '2026-01-02',
    });
  });

  it('counts no day in a window shorter than a day between two midnights', () => {
    const { firstDay, endDay } = dailyRange(new Date('2026-01-01T01:00:00Z'), new Date('2026-01-01T23:00:00Z'));
    expect(firstDay).toBe(endDay);
  });
});
