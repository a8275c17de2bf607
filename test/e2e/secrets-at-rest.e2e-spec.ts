/**
 * Secrets never in plaintext at rest (issue 14 §3), black box: a store is put with a WhatsApp
 * token and a Shopify webhook secret; the pipeline still verifies the store's webhooks and
 * sends with the token; then every raw record of every topic of the run (store-settings first)
 * and every row of every table of the three schemas are searched for both, as they are and
 * hex- or base64-encoded, and so are the services' logs: zero hits.
 */
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { allTopics } from '@lib/contracts';
import { eventually, testKafka } from '../support/kafka';
import { secretsEnv } from '../support/secrets';
import {
  APPS,
  cartEvent,
  hoursOpenNow,
  Pipeline,
  postCartEvents,
  putStore,
  startPipeline,
  storeSettings,
} from '../support/pipeline';

const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = `EAAG-at-rest-${randomBytes(9).toString('hex')}`;
const SECRET = `shpss_at_rest_${randomBytes(9).toString('hex')}`;
const STORE = 'at-rest-store';
/** Every form a plaintext could take in raw bytes or a row's text. */
const FORMS = [TOKEN, SECRET].flatMap((s) => [
  s,
  Buffer.from(s).toString('hex'),
  Buffer.from(s).toString('base64').replace(/=+$/, ''),
]);

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await startPipeline({ label: 'at-rest', whatsappTokens: { [PHONE_NUMBER_ID]: TOKEN } });
});

afterAll(async () => {
  await pipeline?.stop();
});

/** Every record of a topic from its start, as the broker keeps it (key and value bytes). */
async function rawRecords(topic: string): Promise<Buffer[]> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, e.high]));
  const out: Buffer[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `at-rest-reader-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${topic} not read to its end in 30 s`)), 30_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        out.push(Buffer.concat([message.key ?? Buffer.alloc(0), message.value ?? Buffer.alloc(0)]));
        for (const h of Object.values(message.headers ?? {})) if (Buffer.isBuffer(h)) out.push(h);
        if (BigInt(message.offset) + 1n >= BigInt(remaining.get(partition) ?? '0')) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

it('keeps neither the token nor the webhook secret in plaintext on any topic, in any table or log, and still uses both', async () => {
  await putStore(pipeline, {
    ...storeSettings({ storeId: STORE, name: 'At rest', timezone: 'UTC', openingHours: hoursOpenNow('UTC') }),
    whatsapp: { phoneNumberId: PHONE_NUMBER_ID, mode: 'text', accessToken: TOKEN },
    shopify: { webhookSecret: SECRET },
  });

  // Ingest verifies the store's Shopify webhooks with the secret it opened.
  const body = JSON.stringify({ token: 'tok-at-rest', updated_at: new Date().toISOString() });
  const webhook = (secret: string) =>
    fetch(`${pipeline.url('ingest')}/v1/webhooks/shopify/${STORE}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'checkouts/update',
        'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
      },
      body,
    });
  expect(
    (
      await eventually(
        () => webhook(SECRET),
        (r) => r.status === 200,
        30_000,
      )
    ).status,
  ).toBe(200);
  expect((await webhook('not-the-secret')).status).toBe(401);

  // The sender sends with the token it opened (the simulator accepts only that token).
  await postCartEvents(pipeline, [
    cartEvent({
      storeId: STORE,
      cartId: 'c-at-rest',
      type: 'checkout.started',
      occurredAt: new Date(Date.now() - 300_000),
      phone: '+34600111333',
    }),
  ]);
  const sent = await eventually(
    () => pipeline.simulator.messages({ phoneNumberId: PHONE_NUMBER_ID }),
    (m) => m.length === 1,
    90_000,
  );
  expect(sent).toHaveLength(1);

  // Every raw record of every topic of the run: store-settings holds the store, sealed.
  const found: string[] = [];
  let settingsRecords = 0;
  for (const { name } of allTopics(pipeline.prefix)) {
    const records = await rawRecords(name);
    if (name === pipeline.topics.storeSettings) {
      settingsRecords = records.length;
      expect(records.some((r) => r.includes('enc:v1:'))).toBe(true);
    }
    for (const record of records) for (const form of FORMS) if (record.includes(form)) found.push(`${name}: ${form}`);
  }
  expect(settingsRecords).toBeGreaterThanOrEqual(1);

  // Every row of every table of the three schemas, all columns as text (bytea shows as hex).
  const db = new Client({ connectionString: pipeline.databaseUrl });
  await db.connect();
  try {
    const schemas = APPS.map((app) => pipeline.schemas[app]);
    const { rows: tables } = await db.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'`,
      [schemas],
    );
    expect(new Set(tables.map((t) => t.schema)).size).toBe(3);
    let rowsRead = 0;
    for (const t of tables) {
      const { rows } = await db.query<{ text: string }>(`SELECT r::text AS text FROM "${t.schema}"."${t.name}" r`);
      rowsRead += rows.length;
      for (const { text } of rows)
        for (const form of FORMS) if (text.includes(form)) found.push(`${t.schema}.${t.name}: ${form}`);
    }
    // The ingest and sender copies hold the sealed token; the scheduler's none.
    const sealed = await db.query<{ schema: string }>(
      `SELECT 'ingest' AS schema FROM "${pipeline.schemas.ingest}".store_settings WHERE settings::text LIKE '%enc:v1:%'
       UNION ALL
       SELECT 'sender' FROM "${pipeline.schemas.sender}".store_settings WHERE settings::text LIKE '%enc:v1:%'
       UNION ALL
       SELECT 'scheduler' FROM "${pipeline.schemas.scheduler}".store_settings WHERE settings::text LIKE '%enc:v1:%'`,
    );
    expect(sealed.rows.map((r) => r.schema).sort()).toEqual(['ingest', 'sender']);
    expect(rowsRead).toBeGreaterThan(10);
  } finally {
    await db.end();
  }

  for (const app of APPS) {
    const logs = pipeline.logTail(app, 1_000_000);
    expect(logs.length).toBeGreaterThan(0);
    for (const form of FORMS) if (logs.includes(form)) found.push(`${app} log: ${form}`);
  }
  expect(found).toEqual([]);
});

it('reencrypt-secrets, run as the built command, seals the store again under the newest key and publishes it', async () => {
  const keys = `k2:${randomBytes(32).toString('base64')},${secretsEnv().SECRETS_ENCRYPTION_KEYS}`;
  const run = spawnSync(process.execPath, ['dist/apps/ingest/main.js', 'reencrypt-secrets'], {
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS: pipeline.kafkaBrokers,
      DATABASE_URL: pipeline.databaseUrl,
      DATABASE_SCHEMA: pipeline.schemas.ingest,
      TOPIC_PREFIX: pipeline.prefix,
      SECRETS_ENCRYPTION_KEYS: keys,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect([run.status, run.stderr]).toEqual([0, '']);
  const report = run.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.message === 'store secrets re-encrypted');
  expect(report).toMatchObject({ stores: 1, resealed: 1, current: 0, unreadable: 0, keyId: 'k2' });
  for (const form of FORMS) expect(run.stdout).not.toContain(form);
  const latest = (await rawRecords(pipeline.topics.storeSettings)).pop()!.toString();
  expect(latest).toContain('"accessTokenCiphertext":"enc:v1:k2:');
  expect(latest).toContain('"webhookSecretCiphertext":"enc:v1:k2:');
});
