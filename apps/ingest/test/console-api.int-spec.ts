import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPIC } from '@lib/contracts';
import { readTopic, testKafka } from '../../../test/support/kafka';
import { forgedToken, TEST_CONSOLE_SIGNING_KEYS } from './console-keys';
import { IngestUnderTest, startIngest, TEST_API_KEY } from './ingest-app';

const kafka = testKafka();
let ingest: IngestUnderTest;

const TOKEN = 'EAAG-write-only-access-token';
const WEBHOOK_SECRET = 'shpss_console_0123456789';
const split = [
  ['09:00', '14:00'],
  ['16:00', '20:00'],
];
const store = (storeId: string, name: string) => ({
  storeId,
  name,
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: split, tue: split, wed: split, thu: split, fri: split, sat: [], sun: [] },
  closedDates: [],
  whatsapp: { phoneNumberId: '106540352242922', accessToken: TOKEN, mode: 'text' },
  messageTemplates: { es: '¡Hola {{firstName}}! {{itemsSummary items}} · {{recoveryLink}}' },
  shopify: { webhookSecret: WEBHOOK_SECRET },
});

async function call(method: string, path: string, auth: string | null, body?: unknown) {
  const res = await fetch(`${ingest.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function consoleToken(storeId: string): Promise<string> {
  const minted = await call('POST', `/v1/stores/${storeId}/console-tokens`, TEST_API_KEY, { locale: 'en' });
  expect(minted.status).toBe(201);
  expect(minted.body.consolePath).toMatch(/^\/console#token=[\w.-]+&locale=en$/);
  return minted.body.token as string;
}

beforeAll(async () => {
  // A stand-in for the built front end (the browser spec serves the real one).
  const assets = mkdtempSync(join(tmpdir(), 'console-assets-'));
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>console</title>');
  ingest = await startIngest('ingest-console', {
    CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
    CONSOLE_ASSETS_DIR: assets,
  });
  for (const [id, name] of [
    ['store-a', 'Tienda A'],
    ['store-b', 'Tienda B'],
  ]) {
    expect((await call('PUT', `/v1/stores/${id}`, TEST_API_KEY, store(id, name))).status).toBe(201);
  }
});

afterAll(async () => {
  await ingest?.close();
});

const changes = { openingHours: { ...store('x', 'x').openingHours, sat: [['10:00', '14:00']] } };
const monday1930 = '2026-12-07T18:30:00Z'; // 19:30 in Madrid: 30 min before closing
// Every console endpoint, with a body that would succeed for the token's own store (the stats
// and the messages, forwarded to the scheduler and the sender, are refused before forwarding).
const endpoints = (storeId: string): Array<[string, string, unknown?]> => [
  ['GET', `/console/api/stores/${storeId}/settings`],
  ['PUT', `/console/api/stores/${storeId}/settings`, changes],
  ['POST', `/console/api/stores/${storeId}/send-preview`, { detectedAt: monday1930, changes }],
  ['POST', `/console/api/stores/${storeId}/message-preview`, { language: 'es', changes }],
  ['GET', `/console/api/stores/${storeId}/stats`],
  ['GET', `/console/api/stores/${storeId}/messages?limit=5`],
];

describe('console tokens', () => {
  it('are minted only with the platform API key, for a known store', async () => {
    expect((await call('POST', '/v1/stores/store-a/console-tokens', null)).status).toBe(401);
    expect((await call('POST', '/v1/stores/store-a/console-tokens', 'wrong-key')).status).toBe(401);
    expect((await call('POST', '/v1/stores/nobody/console-tokens', TEST_API_KEY)).status).toBe(404);
  });

  it('the platform API key opens no console endpoint', async () => {
    for (const [method, path, body] of endpoints('store-a')) {
      const answer = await call(method, path, TEST_API_KEY, body);
      expect({ path, status: answer.status, reason: answer.body?.reason }).toEqual({
        path,
        status: 401,
        reason: 'malformed',
      });
    }
  });

  it('a token for store A neither reads nor changes store B, on every endpoint', async () => {
    const tokenA = await consoleToken('store-a');
    for (const [method, path, body] of endpoints('store-b')) {
      const answer = await call(method, path, tokenA, body);
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
      expect(answer.text).not.toContain('Tienda B');
    }
    const b = await call('GET', '/v1/stores/store-b', TEST_API_KEY);
    expect(b.body.openingHours.sat).toEqual([]);
  });

  it('expired, tampered, wrong-audience, unknown-key and missing tokens are refused with their reason', async () => {
    const good = await consoleToken('store-a');
    const [h, c, s] = good.split('.');
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
    const otherStore = Buffer.from(JSON.stringify({ ...claims, store: 'store-b' })).toString('base64url');
    const otherKey = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k9' })).toString('base64url')}.${c}.${s}`;
    const cases: Array<[string | null, string]> = [
      [null, 'missing'],
      [forgedToken('store-a', { now: new Date(Date.now() - 16 * 60_000) }), 'expired'],
      [`${h}.${otherStore}.${s}`, 'bad-signature'],
      [forgedToken('store-a', { audience: 'someone-else' }), 'wrong-audience'],
      [otherKey, 'unknown-key'],
    ];
    for (const [token, reason] of cases) {
      for (const [method, path, body] of endpoints('store-a')) {
        const answer = await call(method, path, token, body);
        expect({ path, status: answer.status, reason: answer.body?.reason }).toEqual({ path, status: 401, reason });
      }
    }
  });
});

describe('console API', () => {
  it('reads the settings with secrets shown only as set', async () => {
    const token = await consoleToken('store-a');
    const read = await call('GET', '/console/api/stores/store-a/settings', token);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      name: 'Tienda A',
      whatsapp: { accessTokenSet: true },
      shopify: { webhookSecretSet: true },
    });
    expect(read.text).not.toContain(TOKEN);
    expect(read.text).not.toContain(WEBHOOK_SECRET);
    expect(read.text).not.toContain('enc:v1:');
  });

  it('previews the send under unsaved hours, naming the problems as the admin API does', async () => {
    const token = await consoleToken('store-a');
    const now = await call('POST', '/console/api/stores/store-a/send-preview', token, { detectedAt: monday1930 });
    // 60 min delay → 20:30, closed → Tuesday 09:00 Madrid.
    expect(now.body).toMatchObject({ outcome: 'send', sendAt: '2026-12-08T08:00:00.000Z' });
    const longer = { openingHours: { ...changes.openingHours, mon: [['09:00', '22:00']] } };
    const moved = await call('POST', '/console/api/stores/store-a/send-preview', token, {
      detectedAt: monday1930,
      changes: longer,
    });
    expect(moved.body).toMatchObject({ outcome: 'send', sendAt: '2026-12-07T19:30:00.000Z' });
    const overlap = {
      openingHours: {
        ...changes.openingHours,
        mon: [
          ['09:00', '14:00'],
          ['13:00', '20:00'],
        ],
      },
    };
    const bad = await call('POST', '/console/api/stores/store-a/send-preview', token, {
      detectedAt: monday1930,
      changes: overlap,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.problems).toContainEqual(expect.stringMatching(/^openingHours\.mon/));
    const noTime = await call('POST', '/console/api/stores/store-a/send-preview', token, {});
    expect(noTime.status).toBe(400);
    // Nothing saved.
    expect((await call('GET', '/v1/stores/store-a', TEST_API_KEY)).body.openingHours.mon).toEqual(split);
  });

  it('previews the message over the sample carts; a broken template is named', async () => {
    const token = await consoleToken('store-a');
    const drawn = await call('POST', '/console/api/stores/store-a/message-preview', token, {
      language: 'es',
      changes: { messageTemplates: { es: 'Hola {{firstName}} de {{store.name}}: {{recoveryLink}}' } },
    });
    expect(drawn.status).toBe(200);
    expect(drawn.body.samples).toHaveLength(7);
    expect(drawn.body.samples[0]).toMatchObject({ sample: 'one-item', template: 'store', locale: 'es' });
    expect(drawn.body.samples[0].text).toMatch(/^Hola Ana de Tienda A: https:\/\//);
    const broken = await call('POST', '/console/api/stores/store-a/message-preview', token, {
      changes: { messageTemplates: { es: 'Hola {{nombre}}' } },
    });
    expect(broken.status).toBe(422);
    expect(broken.body.problems).toContainEqual(expect.stringMatching(/^messageTemplates\.es: /));
    const foreign = await call('PUT', '/console/api/stores/store-a/settings', token, { enabled: false });
    expect(foreign.status).toBe(422);
    expect(foreign.body.problems).toEqual(['enabled: not changed from the console (the platform sets it)']);
  });

  it('saves through the admin path: published on store-settings, secrets kept sealed', async () => {
    const token = await consoleToken('store-a');
    const saved = await call('PUT', '/console/api/stores/store-a/settings', token, {
      ...changes,
      closedDates: ['2026-12-25'],
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ openingHours: { sat: [['10:00', '14:00']] }, closedDates: ['2026-12-25'] });
    expect(saved.text).not.toContain(TOKEN);
    const records = await readTopic(kafka, ingest.topic(TOPIC.storeSettings), 3);
    const last = records.filter((r) => r.key === 'store-a').pop()!;
    const published = JSON.parse(last.value!);
    expect(published).toMatchObject({ openingHours: { sat: [['10:00', '14:00']] }, closedDates: ['2026-12-25'] });
    expect(published.whatsapp.accessTokenCiphertext).toMatch(/^enc:v1:/);
    expect(last.value).not.toContain(TOKEN);
    expect((await call('GET', '/v1/stores/store-a', TEST_API_KEY)).body.whatsapp.accessTokenSet).toBe(true);
  });
});

describe('console page', () => {
  it('is served with a CSP without inline scripts and the configured frame ancestors', async () => {
    const page = await fetch(`${ingest.url}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>console</title>');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'self'");
    expect((await fetch(`${ingest.url}/console/assets/..%2Fconfig.ts`)).status).toBe(404);
  });
});
