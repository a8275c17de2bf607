import { createHmac } from 'node:crypto';
import { TOPIC } from '@lib/contracts';
import { openAccessToken, openWebhookSecret } from '@lib/secrets';
import { DataSource } from 'typeorm';
import { committedVsEnd, eventually, readTopic, testKafka } from '../../../test/support/kafka';
import { testKeyring } from '../../../test/support/secrets';
import { IngestUnderTest, startIngest, TEST_API_KEY } from './ingest-app';

const kafka = testKafka();
let ingest: IngestUnderTest;

beforeAll(async () => {
  ingest = await startIngest('ingest-admin');
});

afterAll(async () => {
  await ingest?.close();
});

const TOKEN = 'EAAG-write-only-access-token';
const WEBHOOK_SECRET = 'shpss_lola_0123456789';
const split = [
  ['09:00', '14:00'],
  ['16:00', '20:00'],
];
const lola = {
  storeId: 'lola-shoes',
  name: 'Zapatería Lola',
  enabled: true,
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: split, tue: split, wed: split, thu: split, fri: split, sat: [['10:00', '14:00']], sun: [] },
  closedDates: ['2026-12-25', '2027-01-01'],
  abandonAfterMinutes: 30,
  sendDelayMinutes: 60,
  maxDeferralHours: 72,
  minHoursBetweenMessages: 24,
  whatsapp: {
    phoneNumberId: '106540352242922',
    accessToken: TOKEN,
    mode: 'template',
    templateName: 'cart_reminder',
    templateLanguage: 'es',
  },
  messageTemplates: {
    es: '¡Hola {{firstName}}! En {{store.name}} te guardamos tu carrito: {{itemsSummary items}}. Termina tu compra aquí: {{recoveryLink}}',
  },
  shopify: { webhookSecret: WEBHOOK_SECRET },
};

async function call(method: string, path: string, body?: unknown, key: string | null = TEST_API_KEY) {
  const res = await fetch(`${ingest.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const settingsTopic = () => ingest.topic(TOPIC.storeSettings);
const endOf = async (topic: string) => (await committedVsEnd(kafka, 'none', topic)).end;

describe('admin API /v1/stores/{storeId}', () => {
  it('needs an API key', async () => {
    expect((await call('GET', '/v1/stores/lola-shoes', undefined, null)).status).toBe(401);
    expect((await call('PUT', '/v1/stores/lola-shoes', lola, 'wrong')).status).toBe(401);
  });

  it('creates, publishes with the secrets sealed, and never answers, stores in plaintext or logs them', async () => {
    const put = await call('PUT', '/v1/stores/lola-shoes', lola);
    expect(put.status).toBe(201);
    expect(put.text).not.toContain(TOKEN);
    expect(put.text).not.toContain(WEBHOOK_SECRET);
    expect(put.body).toMatchObject({ whatsapp: { accessTokenSet: true }, shopify: { webhookSecretSet: true } });

    const [published] = await readTopic(kafka, settingsTopic(), 1);
    expect(published.key).toBe('lola-shoes');
    const record = JSON.parse(published.value!);
    expect(record).toMatchObject({
      storeId: 'lola-shoes',
      whatsapp: { accessTokenCiphertext: expect.stringMatching(/^enc:v1:test-1:/) },
      shopify: { webhookSecretCiphertext: expect.stringMatching(/^enc:v1:test-1:/) },
    });
    expect(published.value).not.toContain(TOKEN);
    expect(published.value).not.toContain(WEBHOOK_SECRET);
    expect(record.whatsapp).not.toHaveProperty('accessToken');
    expect(record.shopify).not.toHaveProperty('webhookSecret');
    expect(openAccessToken(record, testKeyring)).toBe(TOKEN);
    expect(openWebhookSecret(record, 'shopify', testKeyring)).toBe(WEBHOOK_SECRET);
    const [row] = await ingest.app.get(DataSource).query('SELECT settings::text AS text FROM store_settings');
    expect(row.text).toContain('enc:v1:test-1:');
    expect(row.text).not.toMatch(new RegExp(`${TOKEN}|${WEBHOOK_SECRET}`));

    const get = await call('GET', '/v1/stores/lola-shoes');
    expect(get.status).toBe(200);
    expect(get.text).not.toContain(TOKEN);
    expect(get.body).toMatchObject({
      name: 'Zapatería Lola',
      timezone: 'Europe/Madrid',
      whatsapp: { accessTokenSet: true },
    });
    expect(ingest.logs.join('')).not.toMatch(new RegExp(`${TOKEN}|${WEBHOOK_SECRET}`));
  });

  it('a GET-edit-PUT round trip keeps the write-only secrets and replaces the rest', async () => {
    const before = await endOf(settingsTopic());
    const shown = (await call('GET', '/v1/stores/lola-shoes')).body!;
    const put = await call('PUT', '/v1/stores/lola-shoes', { ...shown, name: 'Lola Shoes', sendDelayMinutes: 0 });
    expect(put.status).toBe(200);
    expect(await endOf(settingsTopic())).toBe(before + 1);
    const records = await readTopic(kafka, settingsTopic(), before + 1);
    const latest = JSON.parse(records.filter((r) => r.key === 'lola-shoes').pop()!.value!);
    expect(latest).toMatchObject({ name: 'Lola Shoes', sendDelayMinutes: 0 });
    expect(openAccessToken(latest, testKeyring)).toBe(TOKEN);
    expect(openWebhookSecret(latest, 'shopify', testKeyring)).toBe(WEBHOOK_SECRET);
    expect(latest.whatsapp).not.toHaveProperty('accessTokenSet');
    expect(latest.whatsapp).not.toHaveProperty('accessToken');
  });

  it('refuses invalid settings with every problem named, and publishes nothing', async () => {
    const before = await endOf(settingsTopic());
    const put = await call('PUT', '/v1/stores/bad-store', {
      ...lola,
      storeId: 'bad-store',
      timezone: 'Europe/Atlantis',
      openingHours: {
        ...lola.openingHours,
        mon: [
          ['09:00', '14:00'],
          ['13:00', '18:00'],
        ],
        tue: [['20:00', '08:00']],
      },
      abandonAfterMinutes: 0,
      whatsapp: { phoneNumberId: '106540352242922', accessToken: TOKEN, mode: 'template' },
      messageTemplates: { es: 'Hola {{#each}}' },
    });
    expect(put.status).toBe(422);
    const problems = (put.body as { problems: string[] }).problems;
    expect(problems.some((p) => p.startsWith('abandonAfterMinutes'))).toBe(true);
    const semantic = await call('PUT', '/v1/stores/bad-store', {
      ...lola,
      storeId: 'bad-store',
      timezone: 'Europe/Atlantis',
      openingHours: {
        ...lola.openingHours,
        mon: [
          ['09:00', '14:00'],
          ['13:00', '18:00'],
        ],
        tue: [['20:00', '08:00']],
      },
      whatsapp: { phoneNumberId: '106540352242922', accessToken: TOKEN, mode: 'template' },
      messageTemplates: { es: 'Hola {{#each}}' },
    });
    expect(semantic.status).toBe(422);
    const named = (semantic.body as { problems: string[] }).problems;
    for (const field of [
      'timezone',
      'openingHours.mon',
      'openingHours.tue',
      'whatsapp.templateName',
      'messageTemplates.es',
    ])
      expect(named.some((p) => p.startsWith(field))).toBe(true);
    expect(semantic.text).not.toContain(TOKEN);
    expect(
      (
        await call('PUT', '/v1/stores/no-token', {
          ...lola,
          storeId: undefined,
          whatsapp: { ...lola.whatsapp, accessToken: undefined },
        })
      ).status,
    ).toBe(422);
    expect(await endOf(settingsTopic())).toBe(before);
    expect((await call('GET', '/v1/stores/bad-store')).status).toBe(404);
  });

  it('previews when a cart detected at a given time would get its message, or that it would expire', async () => {
    await call('PUT', '/v1/stores/lola-preview', {
      ...lola,
      storeId: 'lola-preview',
      sendDelayMinutes: 60,
      maxDeferralHours: 72,
    });
    // Monday 20:30 in Madrid: +60 min is past closing, so Tuesday 09:00 (08:00Z).
    const monday = await call(
      'GET',
      `/v1/stores/lola-preview/send-preview?detectedAt=${encodeURIComponent('2026-11-23T20:30:00+01:00')}`,
    );
    expect(monday).toMatchObject({
      status: 200,
      body: {
        outcome: 'send',
        detectedAt: '2026-11-23T19:30:00.000Z',
        desiredAt: '2026-11-23T20:30:00.000Z',
        sendAt: '2026-11-24T08:00:00.000Z',
        sendAtLocal: '2026-11-24T09:00:00.000+01:00',
        scheduleAtDetection: 'opens Tue 09:00 Europe/Madrid',
        openUntil: '2026-11-24T13:00:00.000Z',
      },
    });
    await call('PUT', '/v1/stores/lola-preview', { ...lola, storeId: 'lola-preview', maxDeferralHours: 2 });
    const saturday = await call('GET', '/v1/stores/lola-preview/send-preview?detectedAt=2026-11-28T14:00:00Z');
    expect(saturday.body).toMatchObject({
      outcome: 'expire',
      notAfter: '2026-11-28T16:00:00.000Z',
      scheduleAtDetection: 'opens Mon 09:00 Europe/Madrid',
    });
    expect(saturday.body).not.toHaveProperty('sendAt');
    expect((await call('GET', '/v1/stores/lola-preview/send-preview')).status).toBe(400);
    expect((await call('GET', '/v1/stores/lola-preview/send-preview?detectedAt=tomorrow')).status).toBe(400);
    expect((await call('GET', '/v1/stores/nobody/send-preview?detectedAt=2026-11-28T14:00:00Z')).status).toBe(404);
  });

  it('the webhook secret saved through the API signs that store webhooks', async () => {
    const body = JSON.stringify({
      token: 'tok-1',
      updated_at: new Date().toISOString(),
      currency: 'EUR',
      total_price: '1.00',
    });
    const sig = createHmac('sha256', WEBHOOK_SECRET).update(body).digest('base64');
    const res = await eventually(
      () =>
        fetch(`${ingest.url}/v1/webhooks/shopify/lola-shoes`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-shopify-topic': 'checkouts/update',
            'x-shopify-hmac-sha256': sig,
          },
          body,
        }),
      (r) => r.status === 200,
    );
    expect(res.status).toBe(200);
  });

  it('DELETE publishes a tombstone, then the store is gone', async () => {
    const before = await endOf(settingsTopic());
    const del = await call('DELETE', '/v1/stores/lola-shoes');
    expect(del.status).toBe(204);
    const records = await readTopic(kafka, settingsTopic(), before + 1);
    const last = records.filter((r) => r.key === 'lola-shoes').pop()!;
    expect(last.value).toBeNull();
    expect((await call('GET', '/v1/stores/lola-shoes')).status).toBe(404);
    expect((await call('DELETE', '/v1/stores/lola-shoes')).status).toBe(404);
  });
});
