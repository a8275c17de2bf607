// The merchant console in a real browser: Debian's Chromium driven by playwright-core, against
// ingest in-process on the real broker and database, serving the console as `npm run build`
// builds it. Screenshots go to test-artefacts/console/ (not committed).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TOPIC } from '@lib/contracts';
import { buildConsole } from '../../console/build';
import { eventually, readTopic, testKafka } from '../../../test/support/kafka';
import { TEST_CONSOLE_SIGNING_KEYS } from './console-keys';
import { IngestUnderTest, startIngest, TEST_API_KEY } from './ingest-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTEFACTS = resolve(__dirname, '../../../test-artefacts/console');
const kafka = testKafka();
let ingest: IngestUnderTest;
let browser: Browser;

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
  const assets = await mkdtemp(join(tmpdir(), 'console-'));
  await buildConsole(assets);
  ingest = await startIngest('ingest-console-browser', {
    CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
    CONSOLE_ASSETS_DIR: assets,
  });
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
});

interface Opened {
  page: Page;
  requests: Array<{ url: string; authorization?: string }>;
  violations: string[];
}

/** As a platform does: mint a token server-side with the API key, open the console link. */
async function openConsole(locale: 'es' | 'en', viewport = { width: 1200, height: 900 }): Promise<Opened> {
  const minted = await fetch(`${ingest.url}/v1/stores/lola-shoes/console-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ locale }),
  });
  const { consolePath } = (await minted.json()) as { consolePath: string };
  const page = await browser.newPage({ viewport, locale: locale === 'es' ? 'es-ES' : 'en-GB' });
  const requests: Opened['requests'] = [];
  const violations: string[] = [];
  page.on('request', (r) => requests.push({ url: r.url(), authorization: r.headers().authorization }));
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (process.env.CONSOLE_DEBUG) console.log(m.type(), m.text());
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${ingest.url}${consolePath}`);
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
    await page.screenshot({ path: join(ARTEFACTS, 'hours-phone-es.png'), fullPage: true });
    const hours = await axeViolations(page);
    await page.click('#tab-message');
    await page.locator('[data-test=bubble]').filter({ hasText: 'Hola' }).waitFor();
    const message = await axeViolations(page);
    expect([...hours, ...message].filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    // No horizontal scrolling on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('an expired or foreign session says so instead of showing anything', async () => {
    const page = await browser.newPage();
    await page.goto(`${ingest.url}/console#token=abc.def.ghi&locale=en`);
    await page.locator('[role=alert]').waitFor();
    expect(await page.locator('[role=alert]').textContent()).toMatch(/expired|Open the console|did not work/);
    await page.close();
  });
});
