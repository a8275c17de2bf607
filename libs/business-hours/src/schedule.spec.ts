import { describeSchedule, isOpen, nextClosing, nextOpening, type OpeningHours, type StoreSchedule } from './index';

const SHOP: OpeningHours = {
  mon: [['09:00', '20:00']],
  tue: [['09:00', '20:00']],
  wed: [['09:00', '20:00']],
  thu: [['09:00', '20:00']],
  fri: [['09:00', '20:00']],
  sat: [['10:00', '14:00']],
  sun: [],
};
const madrid = (openingHours: OpeningHours = SHOP, closedDates?: string[]): StoreSchedule => ({
  timezone: 'Europe/Madrid',
  openingHours,
  closedDates,
});
const at = (iso: string) => new Date(iso);
const NEVER: OpeningHours = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };

// 2026-11-25 is a Wednesday.
describe('isOpen', () => {
  it('is open from the start (inclusive) to the end (exclusive) of an interval', () => {
    expect(isOpen(at('2026-11-25T08:59:59.999+01:00'), madrid())).toBe(false);
    expect(isOpen(at('2026-11-25T09:00:00+01:00'), madrid())).toBe(true);
    expect(isOpen(at('2026-11-25T19:59:59.999+01:00'), madrid())).toBe(true);
    expect(isOpen(at('2026-11-25T20:00:00+01:00'), madrid())).toBe(false);
  });

  it('is closed all day on a closed date', () => {
    expect(isOpen(at('2026-11-25T12:00:00+01:00'), madrid(SHOP, ['2026-11-25']))).toBe(false);
  });

  it('is open on both occurrences of a repeated wall time', () => {
    const sunday = madrid({ ...NEVER, sun: [['02:30', '02:45']] });
    expect(isOpen(at('2026-10-25T02:35:00+02:00'), sunday)).toBe(true);
    expect(isOpen(at('2026-10-25T02:35:00+01:00'), sunday)).toBe(true);
    expect(isOpen(at('2026-10-25T02:50:00+02:00'), sunday)).toBe(false);
  });
});

describe('nextOpening', () => {
  it('answers the instant itself when open', () => {
    expect(nextOpening(at('2026-11-25T10:00:00+01:00'), madrid())).toEqual(at('2026-11-25T10:00:00+01:00'));
  });

  it('answers the next start when closed', () => {
    expect(nextOpening(at('2026-11-28T15:00:00+01:00'), madrid())).toEqual(at('2026-11-30T09:00:00+01:00'));
  });

  it('sees past every closed date ahead when no limit is given', () => {
    // A Monday-only store closed the next 20 Mondays opens on the 21st.
    const mondays = Array.from({ length: 20 }, (_, i) =>
      new Date(Date.UTC(2026, 10, 30 + 7 * i)).toISOString().slice(0, 10),
    );
    const store = madrid({ ...NEVER, mon: [['09:00', '10:00']] }, mondays);
    expect(nextOpening(at('2026-11-25T12:00:00+01:00'), store)).toEqual(at('2027-04-19T09:00:00+02:00'));
  });

  it('answers null past the limit and for a store that never opens', () => {
    expect(nextOpening(at('2026-11-28T15:00:00+01:00'), madrid(), 41)).toBeNull();
    expect(nextOpening(at('2026-11-28T15:00:00+01:00'), madrid(NEVER))).toBeNull();
  });
});

describe('nextClosing', () => {
  it('answers the end of the current opening, following adjacent intervals across midnight', () => {
    const overnight = madrid({
      ...SHOP,
      fri: [
        ['09:00', '14:00'],
        ['14:00', '24:00'],
      ],
      sat: [['00:00', '02:00']],
    });
    expect(nextClosing(at('2026-11-27T10:00:00+01:00'), overnight)).toEqual(at('2026-11-28T02:00:00+01:00'));
    expect(nextClosing(at('2026-11-27T08:00:00+01:00'), overnight)).toEqual(at('2026-11-27T08:00:00+01:00'));
  });

  it('answers null for a store open around the clock', () => {
    const always = Object.fromEntries(Object.keys(SHOP).map((d) => [d, [['00:00', '24:00']]])) as OpeningHours;
    expect(nextClosing(at('2026-11-27T10:00:00+01:00'), madrid(always))).toBeNull();
  });
});

describe('describeSchedule', () => {
  it('says until when it is open now', () => {
    expect(describeSchedule(madrid(), at('2026-11-25T10:00:00+01:00'))).toBe('open now until 20:00 Europe/Madrid');
  });

  it('says 24:00 for a closing at midnight and names the day for a closing after it', () => {
    const late = madrid({ ...SHOP, fri: [['18:00', '24:00']] });
    expect(describeSchedule(late, at('2026-11-27T23:00:00+01:00'))).toBe('open now until 24:00 Europe/Madrid');
    const overnight = madrid({ ...SHOP, fri: [['18:00', '24:00']], sat: [['00:00', '02:00']] });
    expect(describeSchedule(overnight, at('2026-11-27T23:00:00+01:00'))).toBe('open now until Sat 02:00 Europe/Madrid');
  });

  it('says when it opens next, naming the weekday', () => {
    expect(describeSchedule(madrid(), at('2026-11-28T15:00:00+01:00'))).toBe('opens Mon 09:00 Europe/Madrid');
    expect(describeSchedule(madrid(), at('2026-11-25T07:00:00+01:00'))).toBe('opens Wed 09:00 Europe/Madrid');
  });

  it('adds the date to an opening more than six days away', () => {
    const store = madrid(SHOP, ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05']);
    expect(describeSchedule(store, at('2026-11-28T15:00:00+01:00'))).toBe('opens Mon 2026-12-07 09:00 Europe/Madrid');
  });

  it('says "never opens" for a week without hours', () => {
    expect(describeSchedule(madrid(NEVER), at('2026-11-28T15:00:00+01:00'))).toBe('never opens');
  });

  it('says so for a store open around the clock', () => {
    const always = Object.fromEntries(Object.keys(SHOP).map((d) => [d, [['00:00', '24:00']]])) as OpeningHours;
    expect(describeSchedule(madrid(always), at('2026-11-28T15:00:00+01:00'))).toBe(
      'open now around the clock Europe/Madrid',
    );
  });

  it('shows the local wall time of an opening at a spring-forward jump', () => {
    const sunday = madrid({ ...NEVER, sun: [['02:30', '05:00']] });
    expect(describeSchedule(sunday, at('2026-03-28T12:00:00Z'))).toBe('opens Sun 03:00 Europe/Madrid');
  });
});
