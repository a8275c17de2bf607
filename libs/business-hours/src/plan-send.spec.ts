// The cases issue 3 names, each on its own. Instants are written with the offset in force
// locally, so each expectation reads as the shopper's wall clock.
import { planSend, type OpeningHours, type PlanSendInput } from './index';

const SHOP: OpeningHours = {
  mon: [['09:00', '20:00']],
  tue: [['09:00', '20:00']],
  wed: [['09:00', '20:00']],
  thu: [['09:00', '20:00']],
  fri: [['09:00', '20:00']],
  sat: [['10:00', '14:00']],
  sun: [],
};
const CLOSED_ALL_WEEK: OpeningHours = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
const only = (day: keyof OpeningHours, ...intervals: Array<[string, string]>): OpeningHours => ({
  ...CLOSED_ALL_WEEK,
  [day]: intervals,
});

function plan(detectedAt: string, input: Partial<Omit<PlanSendInput, 'detectedAt'>> = {}): string | null {
  const answer = planSend({
    detectedAt: new Date(detectedAt),
    timezone: 'Europe/Madrid',
    openingHours: SHOP,
    sendDelayMinutes: 0,
    maxDeferralHours: 72,
    ...input,
  });
  return answer === null ? null : answer.toISOString();
}
const utc = (iso: string) => new Date(iso).toISOString();

// 2026-11-23 is a Monday; Madrid is on CET (+01:00) in November.
describe('planSend: opening hours', () => {
  it('answers desired itself when it falls inside an interval', () => {
    expect(plan('2026-11-25T10:00:00+01:00')).toBe(utc('2026-11-25T10:00:00+01:00'));
  });

  it('counts the exact start of an interval as open', () => {
    expect(plan('2026-11-25T08:00:00+01:00', { sendDelayMinutes: 60 })).toBe(utc('2026-11-25T09:00:00+01:00'));
  });

  it('counts the exact end of an interval as closed, the millisecond before as open', () => {
    expect(plan('2026-11-25T20:00:00+01:00')).toBe(utc('2026-11-26T09:00:00+01:00'));
    expect(plan('2026-11-25T19:59:59.999+01:00')).toBe(utc('2026-11-25T19:59:59.999+01:00'));
  });

  it('waits for the second interval when desired falls between two intervals of one day', () => {
    const split = {
      ...SHOP,
      wed: [
        ['09:00', '13:30'],
        ['16:30', '20:00'],
      ] as Array<[string, string]>,
    };
    expect(plan('2026-11-25T14:00:00+01:00', { openingHours: split })).toBe(utc('2026-11-25T16:30:00+01:00'));
  });

  it('waits for the next day after the last interval of a day', () => {
    expect(plan('2026-11-25T21:00:00+01:00')).toBe(utc('2026-11-26T09:00:00+01:00'));
  });

  it('skips a closed weekday', () => {
    // Saturday 15:00: Saturday has closed, Sunday has no hours, Monday opens at 09:00.
    expect(plan('2026-11-28T15:00:00+01:00')).toBe(utc('2026-11-30T09:00:00+01:00'));
  });

  it('skips a run of closed dates (a long holiday weekend)', () => {
    const closedDates = ['2026-12-05', '2026-12-07', '2026-12-08'];
    const everyDay: OpeningHours = { ...SHOP, sat: [['09:00', '20:00']], sun: [['09:00', '20:00']] };
    // Friday 19:30 + 60 min is after closing; Sat, Mon and Tue are closed dates, Sunday is open.
    expect(plan('2026-12-04T19:30:00+01:00', { openingHours: everyDay, closedDates, sendDelayMinutes: 60 })).toBe(
      utc('2026-12-06T09:00:00+01:00'),
    );
    // With Sunday closed as a weekday too, the first opening is Wednesday, 109.5 h later.
    expect(
      plan('2026-12-04T19:30:00+01:00', {
        openingHours: SHOP,
        closedDates,
        sendDelayMinutes: 60,
        maxDeferralHours: 120,
      }),
    ).toBe(utc('2026-12-09T09:00:00+01:00'));
    expect(plan('2026-12-04T19:30:00+01:00', { openingHours: SHOP, closedDates, sendDelayMinutes: 60 })).toBeNull();
  });

  it('reads "24:00" as the end of the day: open until the last millisecond, closed at midnight', () => {
    const lateFriday = { ...SHOP, fri: [['18:00', '24:00']] as Array<[string, string]> };
    expect(plan('2026-11-27T23:59:59.999+01:00', { openingHours: lateFriday })).toBe(
      utc('2026-11-27T23:59:59.999+01:00'),
    );
    expect(plan('2026-11-27T23:30:00+01:00', { openingHours: lateFriday, sendDelayMinutes: 30 })).toBe(
      utc('2026-11-28T10:00:00+01:00'),
    );
  });

  it('keeps an overnight opening written as two intervals open across midnight', () => {
    const overnight = { ...SHOP, fri: [['20:00', '24:00']], sat: [['00:00', '02:00']] } as OpeningHours;
    expect(plan('2026-11-27T23:30:00+01:00', { openingHours: overnight, sendDelayMinutes: 60 })).toBe(
      utc('2026-11-28T00:30:00+01:00'),
    );
    expect(plan('2026-11-28T01:30:00+01:00', { openingHours: overnight, sendDelayMinutes: 60 })).toBe(
      utc('2026-11-30T09:00:00+01:00'),
    );
  });

  it('uses the local date, not the UTC one: 23:50 UTC is already tomorrow in the store', () => {
    // Tuesday 23:50 UTC is Wednesday 00:50 in Madrid; Wednesday is a closed date.
    const allDayTuesday = { ...SHOP, tue: [['00:00', '24:00']] as Array<[string, string]> };
    expect(plan('2026-11-24T23:50:00Z', { openingHours: allDayTuesday, closedDates: ['2026-11-25'] })).toBe(
      utc('2026-11-26T09:00:00+01:00'),
    );
    // Tuesday 23:50 UTC is Wednesday 08:50 in Tokyo: the Wednesday opening is ten minutes away.
    expect(plan('2026-11-24T23:50:00Z', { timezone: 'Asia/Tokyo' })).toBe(utc('2026-11-25T09:00:00+09:00'));
  });
});

describe('planSend: daylight saving', () => {
  describe('Europe/Madrid (02:00→03:00 on 2026-03-29, 03:00→02:00 on 2026-10-25)', () => {
    it('opens an interval starting inside the spring gap at the jump', () => {
      expect(plan('2026-03-28T12:00:00Z', { openingHours: only('sun', ['02:30', '05:00']) })).toBe(
        utc('2026-03-29T03:00:00+02:00'),
      );
    });

    it('never opens an interval lying wholly inside the spring gap', () => {
      expect(
        plan('2026-03-28T12:00:00Z', { openingHours: only('sun', ['02:15', '02:45']), maxDeferralHours: 336 }),
      ).toBe(utc('2026-04-05T02:15:00+02:00'));
    });

    it('closes an interval ending inside the spring gap at the jump', () => {
      const hours: OpeningHours = { ...only('sun', ['01:00', '02:30']), mon: [['09:00', '20:00']] };
      expect(plan('2026-03-29T01:59:00+01:00', { openingHours: hours })).toBe(utc('2026-03-29T01:59:00+01:00'));
      expect(plan('2026-03-29T03:00:00+02:00', { openingHours: hours })).toBe(utc('2026-03-30T09:00:00+02:00'));
    });

    it('opens an interval inside the autumn overlap on both occurrences', () => {
      const hours = only('sun', ['02:30', '02:45']);
      expect(plan('2026-10-25T02:00:00+02:00', { openingHours: hours })).toBe(utc('2026-10-25T02:30:00+02:00'));
      expect(plan('2026-10-25T02:40:00+02:00', { openingHours: hours })).toBe(utc('2026-10-25T02:40:00+02:00'));
      expect(plan('2026-10-25T02:50:00+02:00', { openingHours: hours })).toBe(utc('2026-10-25T02:30:00+01:00'));
    });

    it('closes an interval ending inside the autumn overlap at the second occurrence of its end', () => {
      const hours: OpeningHours = { ...only('sun', ['00:00', '02:30']), mon: [['09:00', '20:00']] };
      expect(plan('2026-10-25T02:10:00+01:00', { openingHours: hours })).toBe(utc('2026-10-25T02:10:00+01:00'));
      expect(plan('2026-10-25T02:30:00+01:00', { openingHours: hours })).toBe(utc('2026-10-26T09:00:00+01:00'));
    });

    it('opens an ordinary 09:00 at 09:00 local on both change days', () => {
      const hours = only('sun', ['09:00', '14:00']);
      expect(plan('2026-03-29T00:00:00+01:00', { openingHours: hours })).toBe(utc('2026-03-29T09:00:00+02:00'));
      expect(plan('2026-10-25T00:00:00+02:00', { openingHours: hours })).toBe(utc('2026-10-25T09:00:00+01:00'));
    });
  });

  describe('America/New_York (02:00→03:00 on 2026-03-08, 02:00→01:00 on 2026-11-01)', () => {
    const timezone = 'America/New_York';
    it('opens an interval starting inside the spring gap at the jump', () => {
      expect(plan('2026-03-07T12:00:00Z', { timezone, openingHours: only('sun', ['02:30', '04:00']) })).toBe(
        utc('2026-03-08T03:00:00-04:00'),
      );
    });

    it('opens an interval inside the autumn overlap on both occurrences', () => {
      const hours = only('sun', ['01:15', '01:45']);
      expect(plan('2026-11-01T00:00:00-04:00', { timezone, openingHours: hours })).toBe(
        utc('2026-11-01T01:15:00-04:00'),
      );
      expect(plan('2026-11-01T01:50:00-04:00', { timezone, openingHours: hours })).toBe(
        utc('2026-11-01T01:15:00-05:00'),
      );
    });

    it('opens an ordinary 09:00 at 09:00 local on both change days', () => {
      const hours = only('sun', ['09:00', '17:00']);
      expect(plan('2026-03-08T00:00:00-05:00', { timezone, openingHours: hours })).toBe(
        utc('2026-03-08T09:00:00-04:00'),
      );
      expect(plan('2026-11-01T00:00:00-04:00', { timezone, openingHours: hours })).toBe(
        utc('2026-11-01T09:00:00-05:00'),
      );
    });
  });

  describe('America/Santiago (clocks change at midnight: Sat 24:00→Sun 01:00 on 2026-09-06, Sun 00:00→Sat 23:00 on 2026-04-05)', () => {
    const timezone = 'America/Santiago';
    it('opens an interval starting inside the spring gap (Sunday 00:00–01:00 never happens) at the jump', () => {
      expect(plan('2026-09-05T12:00:00-04:00', { timezone, openingHours: only('sun', ['00:30', '03:00']) })).toBe(
        utc('2026-09-06T01:00:00-03:00'),
      );
    });

    it('closes a Saturday interval ending at "24:00" at the jump when Sunday 00:00 never happens', () => {
      const hours: OpeningHours = { ...only('sat', ['20:00', '24:00']), mon: [['09:00', '20:00']] };
      expect(plan('2026-09-05T23:59:00-04:00', { timezone, openingHours: hours })).toBe(
        utc('2026-09-05T23:59:00-04:00'),
      );
      expect(plan('2026-09-06T01:00:00-03:00', { timezone, openingHours: hours })).toBe(
        utc('2026-09-07T09:00:00-03:00'),
      );
    });

    it('opens a late-Saturday interval on both occurrences of the repeated hour', () => {
      const hours = only('sat', ['23:30', '24:00']);
      expect(plan('2026-04-04T23:45:00-03:00', { timezone, openingHours: hours })).toBe(
        utc('2026-04-04T23:45:00-03:00'),
      );
      // Midnight -03 is 23:00 -04 again: the interval comes round a second time at 23:30 -04.
      expect(plan('2026-04-04T23:00:00-04:00', { timezone, openingHours: hours })).toBe(
        utc('2026-04-04T23:30:00-04:00'),
      );
    });

    it('opens an ordinary 09:00 at 09:00 local on both change days', () => {
      const hours = only('sun', ['09:00', '14:00']);
      expect(plan('2026-04-04T12:00:00-03:00', { timezone, openingHours: hours })).toBe(
        utc('2026-04-05T09:00:00-04:00'),
      );
      expect(plan('2026-09-05T12:00:00-04:00', { timezone, openingHours: hours })).toBe(
        utc('2026-09-06T09:00:00-03:00'),
      );
    });
  });

  describe('Australia/Lord_Howe (30-minute shift: 02:00→02:30 on 2026-10-04, 02:00→01:30 on 2026-04-05)', () => {
    const timezone = 'Australia/Lord_Howe';
    it('opens an interval starting inside the 30-minute spring gap at the jump', () => {
      expect(plan('2026-10-03T12:00:00+10:30', { timezone, openingHours: only('sun', ['02:10', '04:00']) })).toBe(
        utc('2026-10-04T02:30:00+11:00'),
      );
    });

    it('opens an interval inside the 30-minute autumn overlap on both occurrences', () => {
      const hours = only('sun', ['01:40', '01:50']);
      expect(plan('2026-04-05T01:00:00+11:00', { timezone, openingHours: hours })).toBe(
        utc('2026-04-05T01:40:00+11:00'),
      );
      expect(plan('2026-04-05T01:55:00+11:00', { timezone, openingHours: hours })).toBe(
        utc('2026-04-05T01:40:00+10:30'),
      );
    });

    it('opens an ordinary 09:00 at 09:00 local on both change days', () => {
      const hours = only('sun', ['09:00', '17:00']);
      expect(plan('2026-04-05T00:00:00+11:00', { timezone, openingHours: hours })).toBe(
        utc('2026-04-05T09:00:00+10:30'),
      );
      expect(plan('2026-10-04T00:00:00+10:30', { timezone, openingHours: hours })).toBe(
        utc('2026-10-04T09:00:00+11:00'),
      );
    });
  });
});

describe('planSend: odd offsets, zones without DST, skipped days', () => {
  it('opens at 09:00 in Asia/Kathmandu (+05:45)', () => {
    expect(plan('2026-11-25T03:00:00Z', { timezone: 'Asia/Kathmandu' })).toBe(utc('2026-11-25T09:00:00+05:45'));
  });

  it('opens at 09:00 in Asia/Kolkata (+05:30)', () => {
    expect(plan('2026-11-25T03:00:00Z', { timezone: 'Asia/Kolkata' })).toBe(utc('2026-11-25T09:00:00+05:30'));
  });

  it('keeps America/Sao_Paulo on -03:00 all year now that it has no DST (it had one in 2018)', () => {
    const timezone = 'America/Sao_Paulo';
    const hours = only('sun', ['09:00', '17:00']);
    expect(plan('2026-11-01T00:00:00Z', { timezone, openingHours: hours })).toBe(utc('2026-11-01T09:00:00-03:00'));
    expect(plan('2027-01-10T00:00:00Z', { timezone, openingHours: hours })).toBe(utc('2027-01-10T09:00:00-03:00'));
    expect(plan('2018-11-04T00:00:00-03:00', { timezone, openingHours: hours })).toBe(utc('2018-11-04T09:00:00-02:00'));
  });

  it("skips Pacific/Apia's 2011-12-30, a day that never happened", () => {
    const timezone = 'Pacific/Apia';
    // Thursday 29 after closing goes straight to Saturday 31 at +14:00.
    expect(plan('2011-12-29T20:00:00-10:00', { timezone })).toBe(utc('2011-12-31T10:00:00+14:00'));
    // A Friday-only store does not open on the missing Friday but the next one.
    expect(
      plan('2011-12-29T20:00:00-10:00', {
        timezone,
        openingHours: only('fri', ['09:00', '17:00']),
        maxDeferralHours: 336,
      }),
    ).toBe(utc('2012-01-06T09:00:00+14:00'));
  });
});

describe('planSend: no send', () => {
  it('answers null for a week with no opening at all', () => {
    expect(plan('2026-11-25T10:00:00+01:00', { openingHours: CLOSED_ALL_WEEK, maxDeferralHours: 336 })).toBeNull();
  });

  it('answers null when the next opening is beyond maxDeferralHours, and the opening when it is exactly at it', () => {
    // Saturday 15:00 to Monday 09:00 is 42 hours.
    expect(plan('2026-11-28T15:00:00+01:00', { maxDeferralHours: 41 })).toBeNull();
    expect(plan('2026-11-28T15:00:00+01:00', { maxDeferralHours: 42 })).toBe(utc('2026-11-30T09:00:00+01:00'));
  });

  it('answers null when the delay alone goes past maxDeferralHours', () => {
    expect(plan('2026-11-25T10:00:00+01:00', { sendDelayMinutes: 90, maxDeferralHours: 1 })).toBeNull();
  });
});

describe('planSend: sendDelayMinutes', () => {
  it('sends at detection with a delay of 0 when open', () => {
    expect(plan('2026-11-25T10:00:12.345+01:00', { sendDelayMinutes: 0 })).toBe(utc('2026-11-25T10:00:12.345+01:00'));
  });

  it('sends 90 minutes after detection with a delay of 90 when open then', () => {
    expect(plan('2026-11-25T10:00:00+01:00', { sendDelayMinutes: 90 })).toBe(utc('2026-11-25T11:30:00+01:00'));
  });

  it('defers a delay of 90 that lands after closing to the next opening', () => {
    expect(plan('2026-11-25T19:00:00+01:00', { sendDelayMinutes: 90 })).toBe(utc('2026-11-26T09:00:00+01:00'));
  });
});

describe('planSend: settings changed in place', () => {
  it('follows opening hours and closed dates edited after a first plan', () => {
    const hours = structuredClone(SHOP);
    const closedDates = ['2026-12-24'];
    const input = {
      timezone: 'Europe/Madrid',
      openingHours: hours,
      closedDates,
      sendDelayMinutes: 0,
      maxDeferralHours: 72,
    };
    const detectedAt = new Date('2026-11-25T19:30:00+01:00');
    expect(planSend({ ...input, detectedAt })).toEqual(new Date('2026-11-25T19:30:00+01:00'));
    hours.wed[0][1] = '19:00';
    expect(planSend({ ...input, detectedAt })).toEqual(new Date('2026-11-26T09:00:00+01:00'));
    closedDates.push('2026-11-26');
    expect(planSend({ ...input, detectedAt })).toEqual(new Date('2026-11-27T09:00:00+01:00'));
    hours.fri = [];
    expect(planSend({ ...input, detectedAt })).toEqual(new Date('2026-11-28T10:00:00+01:00'));
    hours.sat.push(['09:00', '11:00']);
    expect(() => planSend({ ...input, detectedAt })).toThrow(/openingHours\.sat\[1\]: 09:00–11:00 overlaps/);
  });
});

describe('planSend: bad input', () => {
  it('throws on an unknown time zone', () => {
    expect(() => plan('2026-11-25T10:00:00Z', { timezone: 'Mars/Olympus' })).toThrow(
      /unknown time zone "Mars\/Olympus"/,
    );
  });

  it('throws on invalid opening hours, naming the problem', () => {
    expect(() => plan('2026-11-25T10:00:00Z', { openingHours: only('mon', ['20:00', '09:00']) })).toThrow(
      /openingHours\.mon\[0\]: start 20:00 is not before end 09:00/,
    );
  });

  it('throws on a closed date that is not a calendar date', () => {
    expect(() => plan('2026-11-25T10:00:00Z', { closedDates: ['2026-02-30'] })).toThrow(/closedDates\[0\]/);
    expect(() => plan('2026-11-25T10:00:00Z', { closedDates: '2026-12-25' as unknown as string[] })).toThrow(
      /closedDates must be a list/,
    );
  });

  it('throws on an invalid detectedAt and negative numbers', () => {
    expect(() => plan('not a date')).toThrow(/detectedAt/);
    expect(() => plan('+275760-09-13T00:00:00Z')).toThrow(/detectedAt must lie between the years 1000 and 9999/);
    expect(() => plan('2026-11-25T10:00:00Z', { sendDelayMinutes: -1 })).toThrow(/sendDelayMinutes/);
    expect(() => plan('2026-11-25T10:00:00Z', { maxDeferralHours: Number.NaN })).toThrow(/maxDeferralHours/);
  });
});
