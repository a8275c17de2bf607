// The console's Recent messages and the holdout's lift in a real browser (Debian's Chromium,
// playwright-core), over a real pipeline run: the scheduler (holding out half the shoppers)
// and the sender (sending to the WhatsApp simulator, whose status webhooks come back) on one
// broker and database, ingest serving the console and forwarding its questions to both with
// the console token. Screenshots go to test-artefacts/console/ (not committed).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { cartKey, TOPIC, type ConsoleMessages, type StoreStats } from '@lib/contracts';
import { buildConsole } from '../../console/build';
import { liftSentence } from '../../console/src/lift';
import { wordsFor } from '../../console/src/i18n';
import {
  ABANDON_MS,
  API_KEY as SCHEDULER_API_KEY,
  cartEvent,
  isolatedEnvironment,
  phoneOf,
  produceCartEvents,
  RunningScheduler,
  startScheduler,
} from '../../scheduler/test/harness';
import {
  produce,
  RunningSender,
  sendDue,
  startSender,
  startSimulator,
  storeSettings as senderStoreSettings,
} from '../../sender/test/harness';
import type { WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import { eventually } from '../../../test/support/kafka';
import { forgedToken, TEST_CONSOLE_SIGNING_KEYS } from './console-keys';
import { IngestUnderTest, startIngest, TEST_API_KEY } from './ingest-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTEFACTS = resolve(__dirname, '../../../test-artefacts/console');
const STORE = 'lola-shoes';
const CARTS = Array.from({ length: 12 }, (_, i) => `cart-${String(i + 1).padStart(2, '0')}`);
let ingest: IngestUnderTest;
let scheduler: RunningScheduler;
let sender: RunningSender;
let sim: WhatsAppSimulator;
let browser: Browser;
let messages: ConsoleMessages['messages'];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`);
  const assets = await mkdtemp(join(tmpdir(), 'console-'));
  await buildConsole(assets);
  // One broker prefix for the scheduler and the sender: send-due and message-outcomes between them.
  const env = await isolatedEnvironment('console-messages-browser');
  const senderEnv = { ...env, schema: `sender_${env.prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 60) };
  sim = await startSimulator();
  const settings = senderStoreSettings({
    abandonAfterMinutes: 1,
    experiments: { holdoutPercent: 50, period: '2026-12' },
  });
  await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: settings }]);
  scheduler = await startScheduler(env, {
    CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
    EXPERIMENT_ASSIGNMENT_KEY: 'console-browser-holdout-key-not-a-secret-0123456789',
  });
  sender = await startSender(senderEnv, sim, { CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS });
  ingest = await startIngest('ingest-console-messages', {
    CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
    CONSOLE_ASSETS_DIR: assets,
    CONSOLE_SCHEDULER_URL: scheduler.url,
    CONSOLE_SENDER_URL: sender.url,
  });
  const put = await fetch(`${ingest.url}/v1/stores/${STORE}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      storeId: STORE,
      name: 'Zapatería Lola',
      timezone: 'Europe/Madrid',
      defaultCountry: 'ES',
      locale: 'es',
      openingHours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
      closedDates: [],
      whatsapp: { phoneNumberId: '106540352242922', accessToken: 'EAAG-write-only-access-token', mode: 'text' },
    }),
  });
  expect(put.status).toBe(201);

  // Twelve carts abandoned a minute ago: the scheduler draws each shopper into an arm, the
  // treated ones go out as send-due, the sender sends them and the simulator reads them.
  const now = Date.now();
  await produceCartEvents(
    env.topic(TOPIC.cartEvents),
    CARTS.map((cartId) => cartEvent(cartId, 'checkout.started', now - ABANDON_MS - 2000)),
  );
  const stats = await eventually(
    () => schedulerStats(),
    (s) => s.holdout !== undefined && s.holdout.treated.carts + s.holdout.heldOut.carts === CARTS.length,
    40_000,
  );
  const treated = stats.holdout!.treated.carts;
  expect(treated).toBeGreaterThan(0);
  const read = await eventually(
    () => senderMessages(),
    (m) => m.length === treated && m.every((x) => x.state === 'read'),
    40_000,
  );
  expect(read).toHaveLength(treated);
  // The same shopper again, straight to the sender: decided and skipped (they had a message).
  const repeat = read[0];
  const again = sendDue('cart-again', {
    customer: { phone: phoneOf(repeat.cartId), firstName: 'Ana', locale: 'es-ES' },
  });
  await produce(env.topic(TOPIC.sendDue), [{ key: cartKey(STORE, again.cartId), value: again }]);
  messages = await eventually(
    () => senderMessages(),
    (m) => m.some((x) => x.cartId === 'cart-again'),
    20_000,
  );
  // Two carts are bought, one of each arm when both have some.
  await produceCartEvents(
    env.topic(TOPIC.cartEvents),
    CARTS.slice(0, 2).map((cartId) =>
      cartEvent(cartId, 'cart.converted', Date.now(), { orderId: `o-${cartId}`, total: '59.90', currency: 'EUR' }),
    ),
  );
  await eventually(
    () => schedulerStats(),
    (s) => (s.holdout?.treated.converted ?? 0) + (s.holdout?.heldOut.converted ?? 0) === 2,
    30_000,
  );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  mkdirSync(ARTEFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await ingest?.close();
  await sender?.close();
  await scheduler?.close();
  await sim?.close();
});

/** The scheduler's own answer, with its API key: what Results must show. */
async function schedulerStats(): Promise<StoreStats> {
  const from = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const res = await fetch(`${scheduler.url}/v1/stores/${STORE}/stats?from=${from}&to=${to}`, {
    headers: { authorization: `Bearer ${SCHEDULER_API_KEY}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as StoreStats;
}

/** The sender's own answer to a console token: what Recent messages must show. */
async function senderMessages(): Promise<ConsoleMessages['messages']> {
  const res = await fetch(`${sender.url}/console/api/stores/${STORE}/messages`, {
    headers: { authorization: `Bearer ${forgedToken(STORE)}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as ConsoleMessages).messages;
}

async function openConsole(locale: 'es' | 'en', viewport = { width: 1200, height: 900 }) {
  const minted = await fetch(`${ingest.url}/v1/stores/${STORE}/console-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ locale }),
  });
  const { consolePath } = (await minted.json()) as { consolePath: string };
  const page = await browser.newPage({ viewport, locale: locale === 'es' ? 'es-ES' : 'en-GB' });
  const requests: string[] = [];
  const violations: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${ingest.url}${consolePath}`);
  await page.locator('h1').filter({ hasText: 'Zapatería Lola' }).waitFor({ timeout: 10_000 });
  return { page, requests, violations };
}

async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string }>> {
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string }> }> } }
    ).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
  });
}

const serious = (v: Array<{ id: string; impact: string }>) =>
  v.filter((x) => x.impact === 'serious' || x.impact === 'critical');

describe('the console’s recent messages and lift in Chromium', () => {
  it('Recent messages lists the sender’s messages, newest first, with their history, phones masked', async () => {
    const { page, requests, violations } = await openConsole('es');
    await page.click('#tab-messages');
    const cards = page.locator('[data-test=messages][aria-busy=false] li.message');
    await cards.first().waitFor();
    expect(await cards.count()).toBe(messages.length);
    expect(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-cart')))).toEqual(
      messages.map((m) => m.cartId),
    );
    // The repeat shopper's message, newest, says why it did not go, in the merchant's words.
    const skipped = page.locator('li.message[data-cart="cart-again"]');
    await expect(skipped.locator('.state').textContent()).resolves.toBe('No enviado');
    await expect(skipped.locator('[data-test=reason]').textContent()).resolves.toBe(
      'El cliente ya había recibido un mensaje hace poco',
    );
    // A read one: "Leído", its text, and every step of its history with a time.
    const read = messages.find((m) => m.state === 'read')!;
    const card = page.locator(`li.message[data-cart="${read.cartId}"]`);
    await expect(card.locator('.state').textContent()).resolves.toBe('Leído');
    await expect(card.locator('[data-test=message-text]').textContent()).resolves.toBe(read.text);
    await card.locator('summary').click();
    const steps = card.locator('[data-test=history] li');
    expect(await steps.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(
      read.history.map((h) => h.status),
    );
    expect(await steps.locator('time').first().getAttribute('datetime')).toBe(read.history[0].at);
    await expect(card.locator('[data-test=history]').textContent()).resolves.toContain('Entregado');
    // Phones only masked: no shopper's number anywhere on the page.
    const text = (await page.locator('body').textContent()) ?? '';
    for (const cartId of [...CARTS, 'cart-again']) expect(text).not.toContain(phoneOf(cartId).slice(3));
    await expect(card.locator('[data-test=phone]').textContent()).resolves.toMatch(/^\+34\*+\d{3}$/);
    // The browser spoke to ingest only.
    expect(requests.every((url) => url.startsWith(ingest.url))).toBe(true);
    await page.screenshot({ path: join(ARTEFACTS, 'messages-es.png'), fullPage: true });
    expect(serious(await axeViolations(page))).toEqual([]);
    expect(violations).toEqual([]);
    // In English the same messages, in English words.
    await page.selectOption('#language', 'en');
    await page.locator('#tab-messages').filter({ hasText: 'Recent messages' }).waitFor();
    await page.locator('[data-test=messages][aria-busy=false] li.message').first().waitFor();
    await expect(skipped.locator('.state').textContent()).resolves.toBe('Not sent');
    await expect(card.locator('.state').textContent()).resolves.toBe('Read');
    await page.close();
  });

  it('Recent messages on a phone: fits 390 px, no serious accessibility violation', async () => {
    const { page } = await openConsole('en', { width: 390, height: 844 });
    await page.click('#tab-messages');
    await page.locator('[data-test=messages][aria-busy=false] li.message').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTEFACTS, 'messages-phone-en.png'), fullPage: true });
    expect(serious(await axeViolations(page))).toEqual([]);
    await page.close();
  });

  it('Results shows the holdout’s lift with its interval and what it means, as the stats say it', async () => {
    const stats = await schedulerStats();
    for (const language of ['es', 'en'] as const) {
      const { page } = await openConsole(language);
      await page.click('#tab-results');
      const lift = page.locator('[data-test=results][aria-busy=false] [data-test=lift]');
      await lift.waitFor();
      // Twelve carts cannot tell: the sentence says so (the interval holds 0, or the stats flag it).
      expect(await lift.getAttribute('data-verdict')).toBe('unknown');
      const shown = await lift.locator('[data-test=lift-sentence]').textContent();
      expect(shown).toBe(liftSentence(stats.holdout!, wordsFor(language), language));
      expect(shown).toContain(language === 'es' ? 'Aún no hay carritos suficientes' : 'Not enough carts yet to tell');
      if (stats.holdout!.lift.absoluteInterval) {
        await expect(lift.locator('[data-test=lift-figure]').textContent()).resolves.toContain(
          language === 'es' ? 'intervalo del 95 %' : '95% interval',
        );
      }
      await page.screenshot({ path: join(ARTEFACTS, `results-lift-${language}.png`), fullPage: true });
      expect(serious(await axeViolations(page))).toEqual([]);
      await page.close();
    }
  });
});
