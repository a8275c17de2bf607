import { TOPIC } from '@lib/contracts';
import {
  ABANDON_MS,
  cartEvent,
  isolatedEnvironment,
  produce,
  produceCartEvents,
  readSendDue,
  RunningScheduler,
  startScheduler,
  STORE,
  storeSettings,
  sleep,
} from './harness';

const running: RunningScheduler[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.close().catch(() => undefined)));
});

const claims = async (s: RunningScheduler, found: 'none' | 'due') =>
  (await s.metrics.claims.get()).values.find((v) => v.labels.found === found)?.value ?? 0;

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * A time zone where `at` falls between 01:00 and 22:00 local time (so an opening that starts at
 * `at` and lasts to midnight is one interval of that local day), with that day and time.
 */
function zoneAround(at: number): { timezone: string; weekday: (typeof WEEKDAYS)[number]; hhmm: string } {
  for (const timezone of ['UTC', 'Asia/Tokyo', 'America/New_York', 'Asia/Kolkata']) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(new Date(at))
        .map((p) => [p.type, p.value]),
    );
    const hour = Number(parts.hour);
    if (hour >= 1 && hour <= 22) {
      const weekday = WEEKDAYS[['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday)];
      return { timezone, weekday, hhmm: `${parts.hour}:${parts.minute}` };
    }
  }
  throw new Error('no zone with a daytime hour');
}

describe('timers wake when something is due, not by polling', () => {
  it('an idle scheduler barely touches the database, and still emits on time', async () => {
    const env = await isolatedEnvironment('idle');
    await produce(`${env.prefix}${TOPIC.storeSettings}`, [{ key: STORE, value: storeSettings() }]);
    // A 30 s safety poll: anything on time below comes from the next-due sleep and wake-ups.
    const s = await startScheduler(env, { SCHEDULER_TIMER_SAFETY_POLL_MS: '30000' });
    running.push(s);
    await sleep(6000);
    const idleClaims = await claims(s, 'none');
    expect(idleClaims).toBeLessThanOrEqual(4); // the first look of each worker, and no more

    const dueAt = Date.now() + 4000;
    await produceCartEvents(`${env.prefix}${TOPIC.cartEvents}`, [
      cartEvent('soon', 'checkout.started', dueAt - ABANDON_MS),
    ]);
    const [record] = await readSendDue(`${env.prefix}${TOPIC.sendDue}`, 1, 15_000);
    expect(record.event.sendId).toBe(`${STORE}:soon:1`);
    expect(record.timestamp).toBeGreaterThanOrEqual(dueAt);
    expect(record.timestamp - dueAt).toBeLessThan(1000);
    // Woken for the cart's time: a handful of claims, not one per poll interval.
    expect((await claims(s, 'none')) - idleClaims).toBeLessThanOrEqual(6);
    expect(await claims(s, 'due')).toBe(1);
  });

  it('opening-hour burst: carts held for the opening all go out at it, none before', async () => {
    const env = await isolatedEnvironment('burst');
    const opening = Math.ceil((Date.now() + 20_000) / 60_000) * 60_000;
    const { timezone, weekday, hhmm } = zoneAround(opening);
    const hours = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [], [weekday]: [[hhmm, '24:00']] };
    await produce(`${env.prefix}${TOPIC.storeSettings}`, [
      { key: STORE, value: storeSettings({ timezone, openingHours: hours }) },
    ]);
    const s = await startScheduler(env);
    running.push(s);
    const count = 3000;
    // Abandoned a minute ago, while the store is closed: planSend holds them for the opening.
    await produceCartEvents(
      `${env.prefix}${TOPIC.cartEvents}`,
      Array.from({ length: count }, (_, i) => cartEvent(`b-${i}`, 'cart.updated', Date.now() - 2 * ABANDON_MS)),
    );
    const out = await readSendDue(`${env.prefix}${TOPIC.sendDue}`, count, opening - Date.now() + 30_000);
    expect(out).toHaveLength(count);
    expect(new Set(out.map((r) => r.event.sendId)).size).toBe(count);
    const times = out.map((r) => r.timestamp).sort((a, b) => a - b);
    expect(out.every((r) => Date.parse(r.event.dueAt) === opening)).toBe(true);
    expect(times[0]).toBeGreaterThanOrEqual(opening);
    expect(times[times.length - 1] - opening).toBeLessThan(10_000);
  });
});
