// The merchant console in a real browser: Debian's Chromium driven by playwright-core, against
// ingest and the scheduler in-process on the real broker and database, ingest serving the
// console as `npm run build` builds it and forwarding its stats questions to the scheduler.
// Screenshots go to test-artefacts/console/ (not committed).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { cartKey, TOPIC, type StoreStats } from '@lib/contracts';
import { buildConsole } from '../../console/build';
import {
  ABANDON_MS,
  API_KEY as SCHEDULER_API_KEY,
  cartEvent,
  isolatedEnvironment,
  produce,
  produceCartEvents,
  readSendDue,
  RunningScheduler,
  startScheduler,
  storeSettings,
} from '../../scheduler/test/harness';
import { eventually, readTopic, testKafka } from '../../../test/support/kafka';
import { TEST_CONSOLE_SIGNING_KEYS } from './console-keys';
import { IngestUnderTest, startIngest, TEST_API_KEY } from './ingest-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTEFACTS = resolve(__dirname, '../../../test-artefacts/console');
const kafka = testKafka();
let ingest: IngestUnderTest;
let scheduler: RunningScheduler;
let browser: Browser;
let assets: string;

const split = [
  ['09:00', '14:00'],
  ['16:00', '20:00'],
];
const lola = {
  storeId: 'lola-shoes',
  name: 'Zapatería Lola',
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: split, tue: split, wed: split, thu: split, fri: split, sat: [['10:00', '14:00']], sun: [] },
  closedDates: ['2026-12-25'],
  whatsapp: { phoneNumberId: '106540352242922', accessToken: 'EAAG-write-only-access-token', mode: 'text' },
  messageTemplates: { es: '¡Hola {{firstName}}! Tu carrito en {{store.name}} te espera: {{recoveryLink}}' },
};

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`);
  assets = await mkdtemp(join(tmpdir(), 'console-'));
  await buildConsole(assets);
  const env = await isolatedEnvironment('console-browser');
  // The scheduler's copy of the store is open around the clock, so the history below goes out.
  await produce(env.topic(TOPIC.storeSettings), [{ key: 'lola-shoes', value: storeSettings() }]);
  scheduler = await startScheduler(env, { CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS });
  ingest = await startIngest('ingest-console-browser', {
    CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
    CONSOLE_ASSETS_DIR: assets,
    CONSOLE_SCHEDULER_URL: scheduler.url,
  });
  await recoveryHistory(env.topic);
  const put = await fetch(`${ingest.url}/v1/stores/lola-shoes`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(lola),
  });
  expect(put.status).toBe(201);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  mkdirSync(ARTEFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await ingest?.close();
  await scheduler?.close();
});

const DAY_MS = 86_400_000;
/** The carts of the history, by how many days ago they were abandoned. */
const HISTORY = {
  a1: { daysAgo: 2, outcomes: ['sent', 'delivered', 'read'], bought: { total: '59.90', currency: 'EUR' } },
  a2: { daysAgo: 2, outcomes: ['failed'] },
  b1: { daysAgo: 1, outcomes: ['sent', 'delivered'], bought: { total: '25.00', currency: 'USD' }, currency: 'USD' },
  b2: { daysAgo: 1, outcomes: ['skipped:frequency-cap'] },
  b3: { daysAgo: 1, outcomes: ['sent', 'delivered', 'read'], bought: { total: '30.00', currency: 'EUR' } },
  c1: { daysAgo: 0, outcomes: ['skipped:opted-out'] },
  c2: { daysAgo: 0, outcomes: ['sent', 'delivered'] },
} as const satisfies Record<
  string,
  { daysAgo: number; outcomes: string[]; bought?: { total: string; currency: string }; currency?: string }
>;

/**
 * A real run of the scheduler over three days: carts abandoned two days ago, yesterday and
 * today go out as send-due; what the sender would say of them arrives on message-outcomes,
 * and some are bought afterwards.
 */
async function recoveryHistory(topic: (name: string) => string): Promise<void> {
  const now = Date.now();
  await produceCartEvents(
    topic(TOPIC.cartEvents),
    Object.entries(HISTORY).map(([cartId, h]) =>
      cartEvent(cartId, 'checkout.started', now - h.daysAgo * DAY_MS - ABANDON_MS - 60_000, {
        ...('currency' in h ? { currency: h.currency } : {}),
      }),
    ),
  );
  const emitted = await readSendDue(topic(TOPIC.sendDue), Object.keys(HISTORY).length, 30_000);
  expect(emitted.map((r) => r.event.cartId).sort()).toEqual(Object.keys(HISTORY).sort());
  const at = new Date().toISOString();
  await produce(
    topic(TOPIC.messageOutcomes),
    Object.entries(HISTORY).flatMap(([cartId, h]) =>
      h.outcomes.map((o: string) => {
        const [status, reason = null] = o.split(':');
        return {
          key: cartKey('lola-shoes', cartId),
          value: {
            schemaVersion: 1,
            sendId: `lola-shoes:${cartId}:1`,
            storeId: 'lola-shoes',
            cartId,
            status,
            reason,
            at,
          },
        };
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 1500));
  await produceCartEvents(
    topic(TOPIC.cartEvents),
    Object.entries(HISTORY).flatMap(([cartId, h]) =>
      'bought' in h
        ? [cartEvent(cartId, 'cart.converted', Date.now() + 1000, { orderId: `o-${cartId}`, ...h.bought })]
        : [],
    ),
  );
  await eventually(
    () => schedulerStats(new Date(now - 4 * DAY_MS), new Date(now + DAY_MS)),
    (s) => s.recovered === 3 && s.read === 2 && s.skipped.total === 2 && s.failed === 1,
    30_000,
  );
}

/** The scheduler's own answer, with the platform API key: what the console must show. */
async function schedulerStats(from: Date, to: Date): Promise<StoreStats> {
  const res = await fetch(
    `${scheduler.url}/v1/stores/lola-shoes/stats?from=${from.toISOString()}&to=${to.toISOString()}`,
    { headers: { authorization: `Bearer ${SCHEDULER_API_KEY}` } },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as StoreStats;
}

interface Opened {
  page: Page;
  requests: Array<{ url: string; authorization?: string }>;
  violations: string[];
}

/**
 * As a platform does: mint a token server-side with the API key, open the console link.
 * `locale`: the platform's (in the link), or undefined to leave it to the browser's `browserLocale`.
 */
async function openConsole(
  locale: 'es' | 'en' | undefined,
  viewport = { width: 1200, height: 900 },
  { browserLocale = locale === 'es' ? 'es-ES' : 'en-GB', query = '' } = {},
): Promise<Opened> {
  const minted = await fetch(`${ingest.url}/v1/stores/lola-shoes/console-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(locale ? { locale } : {}),
  });
  const { consolePath } = (await minted.json()) as { consolePath: string };
  const page = await browser.newPage({ viewport, locale: browserLocale });
  const requests: Opened['requests'] = [];
  const violations: string[] = [];
  page.on('request', (r) => requests.push({ url: r.url(), authorization: r.headers().authorization }));
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (process.env.CONSOLE_DEBUG) console.log(m.type(), m.text());
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${ingest.url}${consolePath.replace('#', `${query}#`)}`);
  await page
    .locator('h1')
    .filter({ hasText: 'Zapatería Lola' })
    .waitFor({ timeout: 10_000 })
    .catch((e: Error) => {
      throw new Error(`${e.message}\n${violations.join('\n')}`);
    });
  return { page, requests, violations };
}

const sentence = (page: Page) => page.locator('[data-test=send-preview]');

/** Waits for `text` in the send preview's sentence; the sentence shown when it never comes. */
async function sentenceSays(page: Page, text: string): Promise<void> {
  await sentence(page)
    .filter({ hasText: text })
    .waitFor({ timeout: 10_000 })
    .catch(async (e: Error) => {
      throw new Error(`${e.message}\nshown: ${await sentence(page).textContent()}`);
    });
}

/** The store's day (Europe/Madrid) of an instant, as YYYY-MM-DD. */
const madridDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid' }).format(ms);

/** The instant a Madrid midnight is (the console's period ends are the store's midnights). */
function madridMidnight(day: string): Date {
  const utc = Date.parse(`${day}T00:00:00Z`);
  for (const offset of [1, 2]) {
    const at = utc - offset * 3_600_000;
    if (madridDay(at) === day && madridDay(at - 1) !== day) return new Date(at);
  }
  throw new Error(`no Madrid midnight for ${day}`);
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T12:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** Text with its spaces (no-break, narrow) made plain, to compare numbers formatted by two ICUs. */
const plain = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();

async function resultsShown(page: Page, days: number): Promise<void> {
  await page
    .locator('[data-test=results][aria-busy=false] [data-test=daily] tbody tr')
    .nth(days - 1)
    .waitFor({ state: 'attached' }); // in a closed <details> until opened
}

async function stripShown(page: Page, day: string, times: string): Promise<void> {
  await page
    .locator(`[data-test=week-strip][aria-busy=false] li[data-day="${day}"] .strip-times`)
    .filter({ hasText: times })
    .waitFor({ timeout: 15_000 })
    .catch(async (e: Error) => {
      throw new Error(`${e.message}\nshown: ${await page.locator('[data-test=week-strip]').textContent()}`);
    });
}

async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string }>> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline script) stays as it is.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string }> }> } }
    ).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact }));
  });
}

describe('the merchant console in Chromium', () => {
  it('hours: the preview moves with the hours, a save lands on store-settings, a bad interval is named', async () => {
    const { page, requests, violations } = await openConsole('es');
    // The token left the address bar at once.
    expect(page.url()).not.toContain('token=');
    // Monday 7 December 2026, 19:30 in Madrid: +60 min is after closing → Tuesday 09:00.
    await page.fill('#abandoned-at', '2026-12-07T19:30');
    await sentenceSays(page, 'martes, 8 de diciembre, 09:00');
    expect(await sentence(page).textContent()).toMatch(/^Un carrito abandonado el lunes, 7 de diciembre, 19:30 recibe/);
    await page.screenshot({ path: join(ARTEFACTS, 'hours-es.png'), fullPage: true });

    // Open Monday afternoons until 22:00: the same cart now goes at 20:30.
    await page.fill('#mon-1-to', '22:00');
    await sentenceSays(page, 'lunes, 7 de diciembre, 20:30.');

    await page.click('#save-hours');
    await page.locator('[role=status]').filter({ hasText: 'Guardado' }).waitFor();
    const published = await eventually(
      () => readTopic(kafka, ingest.topic(TOPIC.storeSettings), 2, 3000),
      (records) => records.some((r) => r.key === 'lola-shoes' && r.value?.includes('22:00')),
    );
    const last = JSON.parse(published.filter((r) => r.key === 'lola-shoes').pop()!.value!);
    expect(last.openingHours.mon).toEqual([
      ['09:00', '14:00'],
      ['16:00', '22:00'],
    ]);
    expect(last.closedDates).toEqual(['2026-12-25']);

    // An interval that overlaps: the admin API's problem, next to Monday.
    await page.click('button[aria-label="Añadir tramo: Lunes"]');
    await page.fill('#mon-2-from', '13:00');
    const mondayProblems = page.locator('[data-problems="openingHours.mon"] .problem');
    await mondayProblems.first().waitFor();
    expect(await mondayProblems.first().textContent()).toMatch(/^openingHours\.mon/);
    // Once, next to Monday: not again under the week.
    expect(await page.locator('.problem').count()).toBe(await mondayProblems.count());
    await page.screenshot({ path: join(ARTEFACTS, 'hours-problem-es.png'), fullPage: true });

    // Only ingest was asked for anything, and never with the platform API key.
    expect(requests.length).toBeGreaterThan(3);
    for (const r of requests) {
      expect(new URL(r.url).origin).toBe(ingest.url);
      expect(r.authorization ?? '').not.toContain(TEST_API_KEY);
    }
    expect(await page.content()).not.toContain(TEST_API_KEY);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('message: the bubble is the sender’s rendering, a broken template is named', async () => {
    const { page, violations } = await openConsole('en');
    await page.click('#tab-message');
    const bubble = page.locator('[data-test=bubble]');
    // In English, and the store has no English text yet: the shipped default, said so.
    await page.locator('.note').filter({ hasText: 'the standard message is sent' }).waitFor();
    expect(await bubble.textContent()).toContain('Ana');

    await page.fill(
      '#message-text',
      'Hi {{firstName}}, your {{itemsSummary items}} at {{store.name}}: {{recoveryLink}}',
    );
    await page.selectOption('#sample-cart', 'emoji');
    await bubble.filter({ hasText: 'Hi Zoë 🌸, your' }).waitFor();
    await page.screenshot({ path: join(ARTEFACTS, 'message-en.png'), fullPage: true });

    await page.fill('#message-text', 'Hi {{nombre}} {{recoveryLink}}');
    const problem = page.locator('[data-problems=message] .problem');
    await problem.first().waitFor();
    expect(await problem.first().textContent()).toMatch(/^messageTemplates\.en: /);
    await page.screenshot({ path: join(ARTEFACTS, 'message-problem-en.png'), fullPage: true });
    expect(violations).toEqual([]);
    await page.close();
  });

  it('is usable on a phone and has no serious accessibility violation', async () => {
    const { page } = await openConsole('es', { width: 390, height: 844 });
    await sentenceSays(page, 'recibe');
    await page.locator('[data-test=week-strip][aria-busy=false] li').first().waitFor();
    // The calendar fits the phone, its month above its weeks.
    const table = await page.locator('.calendar table').boundingBox();
    expect(table!.x + table!.width).toBeLessThanOrEqual(390);
    const caption = await page.locator('.calendar caption').boundingBox();
    const firstWeek = await page.locator('.calendar thead tr').boundingBox();
    expect(caption!.y + caption!.height).toBeLessThanOrEqual(firstWeek!.y + 1);
    await page.screenshot({ path: join(ARTEFACTS, 'hours-phone-es.png'), fullPage: true });
    const hours = await axeViolations(page);
    await page.click('#tab-message');
    await page.locator('[data-test=bubble]').filter({ hasText: 'Hola' }).waitFor();
    const message = await axeViolations(page);
    await page.click('#tab-results');
    await page.locator('[data-test=results][aria-busy=false]').waitFor();
    await page.screenshot({ path: join(ARTEFACTS, 'results-phone-es.png'), fullPage: true });
    const results = await axeViolations(page);
    expect([...hours, ...message, ...results].filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
      [],
    );
    // No horizontal scrolling on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('results: the stats API’s numbers, per currency and per day, and why carts got no message, in words', async () => {
    const { page, requests, violations } = await openConsole('es');
    await page.click('#tab-results');
    const detected = (daysAgo: number) => Date.now() - daysAgo * DAY_MS - 60_000;
    const from = madridDay(detected(2));
    const to = madridDay(detected(0));
    await page.fill('#results-from', from);
    await page.fill('#results-to', to);
    const days: string[] = [];
    for (let d = from; d <= to; d = nextDay(d)) days.push(d);
    await resultsShown(page, days.length);

    // The period's numbers are the scheduler's own for the same window (the store's midnights).
    const total = await schedulerStats(madridMidnight(from), madridMidnight(nextDay(to)));
    expect(total).toMatchObject({ abandoned: 7, sent: 4, delivered: 4, read: 2, failed: 1, recovered: 3 });
    expect(total.recoveredRevenue).toEqual({ EUR: '89.90', USD: '25.00' });
    const number = new Intl.NumberFormat('es');
    expect(total.clicked).toBe(0); // no tracked link in this store's messages: shown as 0, not left out
    for (const step of ['abandoned', 'sent', 'delivered', 'read', 'clicked', 'recovered'] as const) {
      expect(await page.locator(`[data-step=${step}] .count`).textContent()).toBe(number.format(total[step]));
    }
    const money = (lang: string, amount: number, currency: string) =>
      plain(new Intl.NumberFormat(lang, { style: 'currency', currency }).format(amount));
    expect(plain(await page.locator('[data-currency=EUR] strong').textContent())).toBe(money('es', 89.9, 'EUR'));
    expect(plain(await page.locator('[data-currency=USD] strong').textContent())).toBe(money('es', 25, 'USD'));

    // Each day of the chart is the scheduler's answer for that day; the days add up to the period.
    const sums: Record<string, number> = {};
    for (const day of days) {
      const daily = await schedulerStats(madridMidnight(day), madridMidnight(nextDay(day)));
      const row = page.locator(`[data-test=daily] tr[data-day="${day}"]`);
      for (const series of ['abandoned', 'sent', 'recovered'] as const) {
        expect(await row.locator(`[data-series=${series}]`).textContent()).toBe(number.format(daily[series]));
        const bar = page.locator(`svg.chart rect[data-day="${day}"][data-series=${series}]`);
        expect(Number(await bar.getAttribute('height')) > 0).toBe(daily[series] > 0);
      }
      for (const [currency, amount] of Object.entries(daily.recoveredRevenue)) {
        sums[currency] = (sums[currency] ?? 0) + Number(amount);
        expect(plain(await row.locator('[data-series=revenue]').textContent())).toContain(
          money('es', Number(amount), currency),
        );
      }
    }
    expect(sums).toEqual({ EUR: 89.9, USD: 25 });
    expect(await page.locator('svg.chart rect[data-series=abandoned]').count()).toBe(days.length);

    // Why some carts got no message, as a merchant says it, never the code.
    const reasons = page.locator('[data-test=reasons]');
    for (const text of [
      'El cliente ya había recibido un mensaje hace poco',
      'El cliente pidió no recibir mensajes',
      'WhatsApp no pudo entregarlo',
    ]) {
      expect(await reasons.locator('li').filter({ hasText: text }).locator('.count').textContent()).toBe('1');
    }
    expect(await reasons.textContent()).not.toMatch(/frequency-cap|opted-out/);
    await page.locator('details summary').click();
    await page.screenshot({ path: join(ARTEFACTS, 'results-es.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    // Switched to English: the same numbers, in English words and formats.
    await page.selectOption('#language', 'en');
    await page.locator('h2').filter({ hasText: 'Sales won back' }).waitFor();
    await resultsShown(page, days.length);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(plain(await page.locator('[data-currency=EUR] strong').textContent())).toBe(money('en', 89.9, 'EUR'));
    expect(await page.locator('[data-step=sent] .step').textContent()).toBe('Messaged');
    expect(await reasons.textContent()).toContain('The customer had a message recently');
    await page.screenshot({ path: join(ARTEFACTS, 'results-en.png'), fullPage: true });

    // The last 90 days, picked at once: 90 rows, the period the scheduler's for those days.
    const started = Date.now();
    await page.selectOption('#results-preset', '90');
    await page.locator('[data-test=daily] tbody tr').nth(89).waitFor({ state: 'attached' });
    await page.locator('[data-test=results][aria-busy=false]').waitFor();
    const took = Date.now() - started;
    expect(await page.locator('[data-test=daily] tbody tr').count()).toBe(90);
    const last90 = await page.inputValue('#results-from');
    expect(await page.inputValue('#results-to')).toBe(madridDay(Date.now()));
    const quarter = await schedulerStats(madridMidnight(last90), madridMidnight(nextDay(madridDay(Date.now()))));
    expect(await page.locator('[data-step=abandoned] .count').textContent()).toBe(String(quarter.abandoned));
    console.log(`Results over 90 days (91 stats questions through ingest) shown in ${took} ms`);

    // A period the chart cannot draw is named next to the dates, without asking.
    const asked = requests.length;
    await page.fill('#results-from', '2026-01-01');
    await page.fill('#results-to', '2026-12-31');
    await page.locator('[data-problems=period] .problem').filter({ hasText: '92 days' }).waitFor();
    expect(requests.length).toBe(asked);
    for (const r of requests) expect(new URL(r.url).origin).toBe(ingest.url);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('hours: the week strip shows when messages go out, the calendar closes days, an expiring cart says so', async () => {
    const { page, violations } = await openConsole('es');
    // The strip runs the seven days from the time picked: Monday 7 December 2026.
    await page.fill('#abandoned-at', '2026-12-07T19:30');
    await stripShown(page, '2026-12-08', '09:00–14:00 · 16:00–20:00');
    await stripShown(page, '2026-12-12', '10:00–14:00');
    await stripShown(page, '2026-12-13', 'sin envíos');
    expect(await page.locator('[data-test=week-strip] li').count()).toBe(7);
    expect(await page.locator('[data-test=expires]').count()).toBe(0);

    // The calendar, turned to December 2026: closing Tuesday 8 empties its row of the strip.
    for (let i = 0; i < 60 && (await page.locator('#cal-2026-12-08').count()) === 0; i++) {
      const first = await page.locator('.calendar button.day').first().getAttribute('id');
      await page.click(first! > 'cal-2026-12-01' ? '#cal-prev' : '#cal-next');
    }
    expect(await page.locator('#cal-2026-12-25').getAttribute('aria-pressed')).toBe('true');
    await page.click('#cal-2026-12-08');
    expect(await page.locator('#cal-2026-12-08').getAttribute('aria-pressed')).toBe('true');
    await stripShown(page, '2026-12-08', 'sin envíos');
    expect(await page.locator('[data-test=closed-dates] li').count()).toBe(2);

    // Closed on Monday 14 and Tuesday 15 too: a cart abandoned as the store closes on Saturday
    // would wait past its 72 hours, and the strip says so.
    await page.click('#cal-2026-12-14');
    await page.click('#cal-2026-12-15');
    const expires = page.locator('[data-test=expires]');
    await expires.first().waitFor();
    expect(await expires.allTextContents()).toEqual([
      'Un carrito abandonado el sábado, 12 de diciembre, 14:00 no recibiría mensaje: caduca el martes, 15 de diciembre, 14:00 sin que la tienda abra.',
    ]);
    expect(await page.locator('li[data-day="2026-12-12"]').getAttribute('data-expires')).toBe('true');
    await page.screenshot({ path: join(ARTEFACTS, 'hours-week-es.png'), fullPage: true });
    const hours = await axeViolations(page);
    expect(hours).toEqual([]);

    // A time zone the admin API refuses: named next to the time zone, nowhere else.
    await page.fill('#timezone', 'Europe/Atlantis');
    await page.press('#timezone', 'Tab');
    const problem = page.locator('[data-problems=timezone] .problem');
    await problem.first().waitFor();
    expect(await problem.first().textContent()).toMatch(/^timezone: /);
    expect(await page.locator('.problem').count()).toBe(await problem.count());
    expect(violations).toEqual([]);
    await page.close();
  });

  it('speaks the platform’s language, else the browser’s, and switches', async () => {
    const heading = async (opened: Opened) => (await opened.page.locator('h1').textContent())!;
    const browserEs = await openConsole(undefined, undefined, { browserLocale: 'es-ES' });
    expect(await heading(browserEs)).toBe('Tu tienda en WhatsApp: Zapatería Lola');
    expect(await browserEs.page.locator('html').getAttribute('lang')).toBe('es');
    await browserEs.page.close();
    const browserEn = await openConsole(undefined, undefined, { browserLocale: 'en-US' });
    expect(await heading(browserEn)).toBe('Your store on WhatsApp: Zapatería Lola');
    await browserEn.page.close();
    // The platform's locale wins over the browser's, in the link's fragment or its query.
    const query = await openConsole(undefined, undefined, { browserLocale: 'es-ES', query: '?locale=en' });
    expect(await heading(query)).toBe('Your store on WhatsApp: Zapatería Lola');
    await query.page.close();

    const { page } = await openConsole('en', undefined, { browserLocale: 'es-ES' });
    expect(await page.locator('#tab-hours').textContent()).toBe('Opening hours');
    await sentenceSays(page, 'A cart abandoned on');
    await page.selectOption('#language', 'es');
    expect(await page.locator('#tab-hours').textContent()).toBe('Horario');
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    await sentenceSays(page, 'Un carrito abandonado el');
    await page.selectOption('#language', 'en');
    expect(await page.locator('#tab-results').textContent()).toBe('Results');
    // The tabs answer the arrow keys.
    await page.focus('#tab-hours');
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('#tab-message').getAttribute('aria-selected')).toBe('true');
    await page.close();
  });

  it('a deployment whose console has no stats nor messages says so on Results and Recent messages, in the merchant’s words', async () => {
    const alone = await startIngest('ingest-console-no-stats', {
      CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
      CONSOLE_ASSETS_DIR: assets,
    });
    try {
      const headers = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };
      const put = await fetch(`${alone.url}/v1/stores/lola-shoes`, {
        method: 'PUT',
        headers,
        body: JSON.stringify(lola),
      });
      expect(put.status).toBe(201);
      const minted = await fetch(`${alone.url}/v1/stores/lola-shoes/console-tokens`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ locale: 'es' }),
      });
      const page = await browser.newPage();
      await page.goto(`${alone.url}${((await minted.json()) as { consolePath: string }).consolePath}`);
      await page.click('#tab-results');
      const problem = page.locator('[data-test=results][aria-busy=false] .problem');
      await problem.waitFor();
      expect(await problem.textContent()).toBe('Los resultados no están disponibles ahora. Inténtalo más tarde.');
      // Nor messages (no CONSOLE_SENDER_URL): Recent messages says so too.
      await page.click('#tab-messages');
      const none = page.locator('[data-test=messages][aria-busy=false] .problem');
      await none.waitFor();
      expect(await none.textContent()).toBe('Los mensajes no están disponibles ahora. Inténtalo más tarde.');
      await page.close();
    } finally {
      await alone.close();
    }
  });

  it('an expired or foreign session says so instead of showing anything', async () => {
    const page = await browser.newPage();
    await page.goto(`${ingest.url}/console#token=abc.def.ghi&locale=en`);
    await page.locator('[role=alert]').waitFor();
    expect(await page.locator('[role=alert]').textContent()).toMatch(/expired|Open the console|did not work/);
    await page.close();
  });
});
