import { createHmac, randomBytes } from 'node:crypto';
import { TOPIC, type StoreSettings } from '@lib/contracts';
import { createLogger } from '@lib/observability';
import { keyIdOf, openAccessToken, openWebhookSecret, parseKeyring, seal, accessTokenContext } from '@lib/secrets';
import { DataSource } from 'typeorm';
import type { IngestConfig } from '../src/config';
import { runReencryptSecrets } from '../src/store-admin/reencrypt-secrets';
import { INGEST_CONFIG } from '../src/tokens';
import { eventually, readTopic, testKafka } from '../../../test/support/kafka';
import { TEST_SECRETS_ENCRYPTION_KEYS, testKeyring } from '../../../test/support/secrets';
import { IngestUnderTest, startIngest, TEST_API_KEY } from './ingest-app';

const kafka = testKafka();
let ingest: IngestUnderTest;
let rotated: IngestUnderTest | undefined;

beforeAll(async () => {
  ingest = await startIngest('ingest-reencrypt');
});

afterAll(async () => {
  await rotated?.close();
  await ingest?.close();
});

const TOKEN = 'EAAG-rotation-access-token';
const LEGACY_TOKEN = 'EAAG-legacy-plaintext-token';
const SECRET = 'shpss_rotation_0123456789';
const open = [['00:00', '24:00']];
const store = (storeId: string) => ({
  storeId,
  name: 'Rotation shop',
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: open, tue: open, wed: open, thu: open, fri: open, sat: open, sun: open },
  whatsapp: { phoneNumberId: '106540352242922', accessToken: TOKEN, mode: 'text' },
  shopify: { webhookSecret: SECRET },
});

async function put(storeId: string) {
  const res = await fetch(`${ingest.url}/v1/stores/${storeId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    body: JSON.stringify(store(storeId)),
  });
  expect(res.status).toBe(201);
}

it('reencrypt-secrets seals every store under the newest key, seals plaintext rows, republishes, and is idempotent', async () => {
  const db = ingest.app.get(DataSource);
  await put('rot-sealed');
  // A row from before encryption (kept by an older ingest), and one under a key now gone.
  const legacy = { ...store('rot-legacy'), whatsapp: { ...store('rot-legacy').whatsapp, accessToken: LEGACY_TOKEN } };
  await db.query('INSERT INTO store_settings (store_id, settings) VALUES ($1, $2)', ['rot-legacy', legacy]);
  const lostKey = parseKeyring(`gone:${randomBytes(32).toString('base64')}`);
  const orphan = {
    ...store('rot-orphan'),
    whatsapp: {
      phoneNumberId: '106540352242922',
      mode: 'text',
      accessTokenCiphertext: seal(TOKEN, accessTokenContext('rot-orphan'), lostKey),
    },
    shopify: undefined,
  };
  await db.query('INSERT INTO store_settings (store_id, settings) VALUES ($1, $2)', ['rot-orphan', orphan]);

  const NEW_KEYS = `k2:${randomBytes(32).toString('base64')},${TEST_SECRETS_ENCRYPTION_KEYS}`;
  const newKeyring = parseKeyring(NEW_KEYS);
  const config: IngestConfig = { ...ingest.app.get(INGEST_CONFIG), SECRETS_ENCRYPTION_KEYS: newKeyring };
  const logs: string[] = [];
  const logger = createLogger('ingest', { level: 'info', destination: { write: (l: string) => logs.push(l) } });
  const exitCode = process.exitCode;
  try {
    const report = await runReencryptSecrets(config, logger);
    expect(report).toMatchObject({ stores: 3, resealed: 2, current: 0 });
    expect(report.unreadable).toEqual([{ storeId: 'rot-orphan', reason: expect.stringMatching(/key "gone"/) }]);
    expect(process.exitCode).toBe(1); // a deploy pipeline stops before dropping the old key
  } finally {
    process.exitCode = exitCode;
  }

  const rows: Array<{ store_id: string; settings: StoreSettings; text: string }> = await db.query(
    'SELECT store_id, settings, settings::text AS text FROM store_settings ORDER BY store_id',
  );
  for (const row of rows.filter((r) => r.store_id !== 'rot-orphan')) {
    expect(row.text).not.toMatch(new RegExp(`${TOKEN}|${LEGACY_TOKEN}|${SECRET}`));
    expect(keyIdOf(row.settings.whatsapp.accessTokenCiphertext!)).toBe('k2');
    expect(openWebhookSecret(row.settings, 'shopify', newKeyring)).toBe(SECRET);
  }
  const byStore = new Map(rows.map((r) => [r.store_id, r.settings]));
  expect(openAccessToken(byStore.get('rot-sealed')!, newKeyring)).toBe(TOKEN);
  expect(openAccessToken(byStore.get('rot-legacy')!, newKeyring)).toBe(LEGACY_TOKEN);
  expect(byStore.get('rot-orphan')).toEqual(JSON.parse(JSON.stringify(orphan))); // left as it was

  // Published again: PUT once, then the two re-encrypted stores.
  const records = await readTopic(kafka, ingest.topic(TOPIC.storeSettings), 3);
  expect(records.map((r) => r.key).sort()).toEqual(['rot-legacy', 'rot-sealed', 'rot-sealed']);
  for (const r of records) expect(r.value).not.toMatch(new RegExp(`${TOKEN}|${LEGACY_TOKEN}|${SECRET}`));
  expect(logs.join('')).not.toMatch(new RegExp(`${TOKEN}|${LEGACY_TOKEN}|${SECRET}`));

  // Twice is harmless: nothing left to re-encrypt.
  await db.query('DELETE FROM store_settings WHERE store_id = $1', ['rot-orphan']);
  await expect(runReencryptSecrets(config, logger)).resolves.toMatchObject({ stores: 2, resealed: 0, current: 2 });

  // An ingest holding the new keyring verifies the store's webhooks with the re-encrypted secret.
  rotated = await startIngest(
    'ingest-reencrypt-2',
    { SECRETS_ENCRYPTION_KEYS: NEW_KEYS },
    [],
    [{ storeId: 'rot-legacy', settings: JSON.parse(records.find((r) => r.key === 'rot-legacy')!.value!) }],
  );
  const body = JSON.stringify({ token: 'tok-1', updated_at: new Date().toISOString() });
  const signature = createHmac('sha256', SECRET).update(body).digest('base64');
  const webhook = (url: string) =>
    fetch(`${url}/v1/webhooks/shopify/rot-legacy`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'checkouts/update',
        'x-shopify-hmac-sha256': signature,
      },
      body,
    });
  expect(
    (
      await eventually(
        () => webhook(rotated!.url),
        (r) => r.status === 200,
      )
    ).status,
  ).toBe(200);

  // The first ingest holds only the old key: it refuses that store's webhooks and raises the
  // alert, without falling back to anything and without stopping.
  expect(testKeyring.keys.has('k2')).toBe(false);
  await eventually(
    async () => ingest.logs.join('\n'),
    (text) => /"alert":"store-secret-unreadable".*"storeId":"rot-legacy"/.test(text),
  );
  expect((await webhook(ingest.url)).status).toBe(401);
  const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
  expect(metrics).toMatch(/^ingest_store_secrets_unreadable(\{[^}]*\})? [1-9]/m);
  expect(ingest.logs.join('')).not.toMatch(new RegExp(`${TOKEN}|${LEGACY_TOKEN}|${SECRET}`));
});
