import { addDays, clockOf, dayOf, daysBetween, wallTime, weekdayOf, zonedInstant } from './zoned-time';

describe('the store zone’s wall clock', () => {
  it('finds the instant of a wall-clock time, in winter, in summer and on the days the clocks change', () => {
    expect(zonedInstant('2026-12-07T19:30', 'Europe/Madrid')!.toISOString()).toBe('2026-12-07T18:30:00.000Z');
    expect(zonedInstant('2026-07-01', 'Europe/Madrid')!.toISOString()).toBe('2026-06-30T22:00:00.000Z');
    // 29 March 2026: 02:00 becomes 03:00; 25 October: 03:00 becomes 02:00.
    expect(zonedInstant('2026-03-29T04:00', 'Europe/Madrid')!.toISOString()).toBe('2026-03-29T02:00:00.000Z');
    expect(zonedInstant('2026-10-25T12:00', 'Europe/Madrid')!.toISOString()).toBe('2026-10-25T11:00:00.000Z');
    expect(zonedInstant('2026-12-07T19:30', 'America/Mexico_City')!.toISOString()).toBe('2026-12-08T01:30:00.000Z');
    expect(zonedInstant('7/12/2026', 'Europe/Madrid')).toBeUndefined();
  });

  it('reads an instant back as the store’s day and clock, midnight as 00:00', () => {
    const at = new Date('2026-12-07T23:30:00Z');
    expect(wallTime(at, 'Europe/Madrid')).toBe('2026-12-08T00:30');
    expect(dayOf(at, 'Europe/Madrid')).toBe('2026-12-08');
    expect(dayOf(at, 'America/Mexico_City')).toBe('2026-12-07');
    expect(clockOf(new Date('2026-12-07T23:00:00Z'), 'Europe/Madrid')).toBe('00:00');
  });

  it('counts calendar days across months and years; Monday is 0', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(daysBetween('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(daysBetween('2026-12-02', '2026-12-01')).toEqual([]);
    expect(weekdayOf('2026-12-07')).toBe(0);
    expect(weekdayOf('2026-12-13')).toBe(6);
  });
});
