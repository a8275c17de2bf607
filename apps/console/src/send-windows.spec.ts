// The week strip's walk over ingest's real previewSend (the function behind send-preview):
// the windows and expiring closings it finds are the ones the store's settings make.
import type { StoreSettings } from '@lib/contracts';
import { previewSend } from '../../ingest/src/store-admin/send-preview';
import { sendWindows, type SendPreview } from './send-windows';
import { addDays, wallTime, zonedInstant } from './zoned-time';

const ZONE = 'Europe/Madrid';
const split: Array<[string, string]> = [
  ['09:00', '14:00'],
  ['16:00', '20:00'],
];

function settings(patch: Partial<StoreSettings> = {}): StoreSettings {
  return {
    storeId: 'lola-shoes',
    name: 'Zapatería Lola',
    enabled: true,
    timezone: ZONE,
    defaultCountry: 'ES',
    locale: 'es',
    openingHours: { mon: split, tue: split, wed: split, thu: split, fri: split, sat: [['10:00', '14:00']], sun: [] },
    closedDates: [],
    abandonAfterMinutes: 30,
    sendDelayMinutes: 60,
    maxDeferralHours: 72,
    minHoursBetweenMessages: 24,
    whatsapp: { phoneNumberId: '106540352242922', mode: 'text' },
    ...patch,
  } as StoreSettings;
}

/** The walk over a week from `day`, as Madrid wall-clock times; the number of questions asked. */
async function week(s: StoreSettings, day: string) {
  let questions = 0;
  const ask = async (at: Date) => {
    questions++;
    return JSON.parse(JSON.stringify(previewSend(s, at))) as SendPreview;
  };
  const start = zonedInstant(day, ZONE)!.getTime();
  const found = await sendWindows(
    start,
    zonedInstant(addDays(day, 7), ZONE)!.getTime(),
    await ask(new Date(start)),
    ask,
  );
  const wall = (t: number) => wallTime(new Date(t), ZONE).replace('T', ' ');
  return {
    windows: found!.windows.map(([a, b]) => `${wall(a)} – ${wall(b)}`),
    expiring: found!.expiring.map((e) => `${wall(e.at)} until ${wall(e.notAfter)}`),
    questions,
  };
}

describe('sendWindows over previewSend', () => {
  it('finds each opening of the week, a closed date left out, and no expiry within 72 hours', async () => {
    const found = await week(settings({ closedDates: ['2026-12-25'] }), '2026-12-21');
    const weekday = (d: string) => [`${d} 09:00 – ${d} 14:00`, `${d} 16:00 – ${d} 20:00`];
    expect(found.windows).toEqual([
      ...weekday('2026-12-21'),
      ...weekday('2026-12-22'),
      ...weekday('2026-12-23'),
      ...weekday('2026-12-24'),
      '2026-12-26 10:00 – 2026-12-26 14:00',
    ]);
    expect(found.expiring).toEqual([]);
    expect(found.questions).toBeLessThan(30);
  });

  it('says which closings leave a cart to expire, with its notAfter', async () => {
    const day: Array<[string, string]> = [['09:00', '18:00']];
    const found = await week(
      settings({
        maxDeferralHours: 12,
        openingHours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: [] },
      }),
      '2026-12-07',
    );
    expect(found.windows).toHaveLength(5);
    // 18:00 + 12 h is 06:00, before the next opening at 09:00: every evening's carts expire.
    expect(found.expiring).toEqual(
      ['07', '08', '09', '10', '11'].map(
        (d) => `2026-12-${d} 18:00 until 2026-12-${String(Number(d) + 1).padStart(2, '0')} 06:00`,
      ),
    );
  });

  it('a store open around the clock is one window; a week across the change to summer time has its 167 hours', async () => {
    const always: Array<[string, string]> = [['00:00', '24:00']];
    const open = { mon: always, tue: always, wed: always, thu: always, fri: always, sat: always, sun: always };
    const found = await week(settings({ openingHours: open }), '2026-03-23');
    expect(found.windows).toEqual(['2026-03-23 00:00 – 2026-03-30 00:00']);
    expect(zonedInstant('2026-03-30', ZONE)!.getTime() - zonedInstant('2026-03-23', ZONE)!.getTime()).toBe(
      167 * 3_600_000,
    );
  });

  it('overnight hours (two intervals, one each side of midnight) send through the night', async () => {
    const found = await week(
      settings({
        openingHours: {
          mon: [],
          tue: [],
          wed: [],
          thu: [],
          fri: [['20:00', '24:00']],
          sat: [['00:00', '02:00']],
          sun: [],
        },
      }),
      '2026-12-07',
    );
    // One window across midnight: the strip shows it on each of its two days.
    expect(found.windows).toEqual(['2026-12-11 20:00 – 2026-12-12 02:00']);
  });
});
