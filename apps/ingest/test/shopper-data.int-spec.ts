// A shopper's access request through ingest, with the scheduler and the sender running in this
// process on the real broker and PostgreSQL (each on a schema of its own): the shopper's rows,
// written in the scheduler's and the sender's tables (the sender's opt-out and suppression
// through its repositories), come back in one answer under each service's name; another
// shopper's and another store's rows do not; the platform's key is needed at every service; a
// service that stops answering makes a 502 naming it; no log line holds the phone.
import Ajv2020 from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { isolatedEnvironment as schedulerEnvironment, startScheduler } from '../../scheduler/test/harness';
import type { RunningScheduler } from '../../scheduler/test/harness';
import {
  isolatedEnvironment as senderEnvironment,
  startSender,
  startSimulator,
  type RunningSender,
} from '../../sender/test/harness';
import { ErasureRepository as SenderErasureRepository } from '../../sender/src/erasure/erasure.repository';
import { OptOutRepository } from '../../sender/src/opt-outs/opt-out.repository';
import { parsePhoneHashKey } from '@lib/secrets';
import type { WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import { IngestUnderTest, startIngest, TEST_API_KEY } from './ingest-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HASH_KEY = Buffer.alloc(32, 'access request key').toString('base64');
const PHONE = '+34600818181';
const OTHER = '+34600828282';
const DIGITS = PHONE.slice(3);
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

let scheduler: RunningScheduler;
let sender: RunningSender;
let simulator: WhatsAppSimulator;
let ingest: IngestUnderTest;
let senderStopped = false;

beforeAll(async () => {
  // One after the other: topics created at once by two environments race on the broker's metadata.
  const schedulerEnv = await schedulerEnvironment('shopper-data');
  const senderEnv = await senderEnvironment('shopper-data');
  simulator = await startSimulator();
  scheduler = await startScheduler(schedulerEnv, { API_KEYS: TEST_API_KEY });
  sender = await startSender(senderEnv, simulator, { API_KEYS: TEST_API_KEY, ERASURE_HASH_KEY: HASH_KEY });
  ingest = await startIngest('shopper-data', {
    ERASURE_HASH_KEY: HASH_KEY,
    SHOPPER_DATA_SCHEDULER_URL: scheduler.url,
    SHOPPER_DATA_SENDER_URL: `${sender.url}/`,
  });
  await seedScheduler(scheduler.app.get(DataSource));
  await seedSender(sender);
}, 120_000);

afterAll(async () => {
  await ingest?.close();
  if (!senderStopped) await sender?.close();
  await scheduler?.close();
  await simulator?.close();
});

/** A cart messaged and delivered, with its closed episode and outcome (as the scheduler's erasure test seeds them). */
async function seedCart(db: DataSource, store: string, cart: string, phone: string, optIn: boolean, at: number) {
  const sendId = `${store}:${cart}:1`;
  const facts = {
    phone: { v: phone, t: 1 },
    firstName: { v: 'Lucía', t: 1 },
    optIn: { v: optIn, t: 1 },
    locale: { v: 'es', t: 1 },
    recoveryUrl: { v: `https://${store}.example/cart/${cart}`, t: 1 },
    items: { v: [{ sku: 'S1', title: `Zapatilla ${cart}`, quantity: 1, unitPrice: '59.90' }], t: 1 },
    seen: [],
  };
  await db.query(
    `INSERT INTO carts (store_id, cart_id, version, facts, phone, last_activity_at, episode, status, detected_at, due_at, closed_at, send_id)
     VALUES ($1, $2, 1, $3, $4, $5, 1, 'emitted', $5, $6, $6, $7)`,
    [store, cart, JSON.stringify(facts), optIn ? phone : null, iso(at), iso(at + 3_600_000), sendId],
  );
  await db.query(
    `INSERT INTO abandonments (store_id, cart_id, episode, status, detected_at, due_at, not_after, closed_at, send_id)
     VALUES ($1, $2, 1, 'emitted', $3, $4, $5, $4, $6)`,
    [store, cart, iso(at), iso(at + 3_600_000), iso(at + 3 * DAY), sendId],
  );
  await db.query(
    `INSERT INTO message_outcomes (send_id, store_id, cart_id, sent_at, delivered_at) VALUES ($1, $2, $3, $4, $4)`,
    [sendId, store, cart, iso(at + 3_700_000)],
  );
}

async function seedScheduler(db: DataSource) {
  const now = Date.now();
  await seedCart(db, 'lola-shoes', 'c1', PHONE, true, now - 3 * DAY);
  await seedCart(db, 'lola-shoes', 'c2', PHONE, false, now - 2 * DAY); // found by the phone in the facts
  await seedCart(db, 'lola-shoes', 'c3', OTHER, true, now - 2 * DAY);
  await seedCart(db, 'store-b', 'c4', PHONE, true, now - 2 * DAY);
  await db.query(
    `INSERT INTO contacts (store_id, phone, opted_out_at, last_sent_at) VALUES ('lola-shoes', $1, $3, $3), ('lola-shoes', $2, NULL, $3)`,
    [PHONE, OTHER, iso(now - DAY)],
  );
  await db.query(
    `INSERT INTO consent_records (store_id, phone, channel, state, source, consented_at, wording_version, event_id)
     VALUES ('lola-shoes', $1, 'whatsapp', 'granted', 'checkout', $3, 'v2', 'e1'),
            ('lola-shoes', $2, 'whatsapp', 'granted', 'checkout', $3, 'v2', 'e2')`,
    [PHONE, OTHER, iso(now - 3 * DAY)],
  );
}

async function seedSender(running: RunningSender) {
  const db = running.app.get(DataSource);
  for (const [store, cart, phone] of [
    ['lola-shoes', 'c1', PHONE],
    ['lola-shoes', 'c3', OTHER],
    ['store-b', 'c4', PHONE],
    ['erased-store', 'c9', PHONE],
  ]) {
    await db.query(
      `INSERT INTO messages (send_id, store_id, cart_id, phone, state, rendered_text, history, pricing)
       VALUES ($1, $2, $3, $4, 'delivered', $5, $6, '{"billable":true,"category":"marketing"}')`,
      [
        `${store}:${cart}:1`,
        store,
        cart,
        phone,
        `Hola Lucía, tu ${cart} te espera`,
        JSON.stringify([
          { state: 'sent', at: '2026-12-01T19:33:14.000Z' },
          { state: 'delivered', at: '2026-12-01T19:33:16.000Z' },
        ]),
      ],
    );
  }
  await db.query(
    `INSERT INTO shopper_identities (store_id, phone, user_id) VALUES ('lola-shoes', $1, 'ES.1001'), ('lola-shoes', $2, 'ES.1002')`,
    [PHONE, OTHER],
  );
  const optOuts = running.app.get(OptOutRepository);
  await optOuts.record([
    { storeId: 'lola-shoes', phone: PHONE, at: new Date('2026-12-02T09:00:00Z'), source: 'reply' },
    { storeId: 'erased-store', phone: PHONE, at: new Date('2026-12-02T09:00:00Z'), source: 'reply' },
  ]);
  // An erasure at another store: its opt-out is kept as a suppression by the phone's hash only.
  await running.app.get(SenderErasureRepository).erase({
    id: '0b5f3f6e-8d8e-4e4b-9a8e-2f1c7d9b6a19',
    phone: PHONE,
    phoneHash: parsePhoneHashKey(HASH_KEY).hash(PHONE),
    storeId: 'erased-store',
    requestedAt: new Date(),
  });
}

async function get(base: string, path: string, key: string | null = TEST_API_KEY) {
  const res = await fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: (await res.json()) as Json };
}

/** Checks an answer against a schema of ingest's OpenAPI document (docs/api/ingest.openapi.json). */
function documented(schema: string, body: unknown): unknown {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const doc = JSON.parse(readFileSync(join(__dirname, '../../../docs/api/ingest.openapi.json'), 'utf8'));
  ajv.addSchema({ ...doc, $id: 'https://cart-recovery.example/ingest.json' });
  const validate = ajv.compile({ $ref: `https://cart-recovery.example/ingest.json#/components/schemas/${schema}` });
  return validate(body) ? null : validate.errors;
}

const path = (phone: string, storeId?: string) =>
  `/v1/shoppers/${encodeURIComponent(phone)}/data${storeId ? `?storeId=${storeId}` : ''}`;

describe('GET /v1/shoppers/{phone}/data (real Kafka and PostgreSQL, three services)', () => {
  it("answers everything held about the shopper at one store, and nothing of another shopper's or store's", async () => {
    const erasure = await fetch(`${ingest.url}/v1/erasure-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phone: PHONE, storeId: 'erased-store' }),
    });
    expect(erasure.status).toBe(202);

    const { status, body } = await get(ingest.url, path(PHONE, 'lola-shoes'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ phone: PHONE, storeId: 'lola-shoes', generatedAt: expect.any(String) });
    expect(documented('ShopperData', body)).toBeNull();
    const { scheduler: s, sender: m } = body;
    expect(s.carts.map((c: Json) => c.cartId)).toEqual(['c1', 'c2']);
    expect(s.carts[1]).toMatchObject({ storeId: 'lola-shoes', phone: null });
    expect(s.carts[1].facts).toMatchObject({
      phone: { v: PHONE },
      firstName: { v: 'Lucía' },
      locale: { v: 'es' },
      recoveryUrl: { v: 'https://lola-shoes.example/cart/c2' },
      items: { v: [{ title: 'Zapatilla c2' }] },
    });
    expect(s.abandonments).toHaveLength(2);
    expect(s.messageOutcomes.map((o: Json) => o.sendId)).toEqual(['lola-shoes:c1:1', 'lola-shoes:c2:1']);
    expect(s.contacts).toEqual([expect.objectContaining({ phone: PHONE, optedOutAt: expect.any(String) })]);
    expect(s.consentRecords).toEqual([
      expect.objectContaining({ phone: PHONE, state: 'granted', source: 'checkout', wordingVersion: 'v2' }),
    ]);
    expect(m.messages).toHaveLength(1);
    expect(m.messages[0]).toMatchObject({
      sendId: 'lola-shoes:c1:1',
      state: 'delivered',
      renderedText: 'Hola Lucía, tu c1 te espera',
      history: [{ state: 'sent' }, { state: 'delivered' }],
      pricing: { category: 'marketing' },
    });
    expect(m.optOuts).toEqual([expect.objectContaining({ storeId: 'lola-shoes', phone: PHONE, source: 'reply' })]);
    expect(m.shopperIdentities).toEqual([expect.objectContaining({ userId: 'ES.1001' })]);
    expect(m.suppressions).toEqual([]); // erased-store's, not this store's
    expect(body.ingest.erasureRequests).toEqual([]); // made for erased-store only

    const text = JSON.stringify(body);
    expect(text).not.toContain(OTHER.slice(3)); // another shopper's rows
    expect(text).not.toContain('store-b'); // another store's
    expect(text).not.toContain('Zapatilla c3');
    expect(text).not.toContain('Zapatilla c4');
  });

  it('answers every store when storeId is left out: the suppression an erasure left, and the erasure request', async () => {
    const { status, body } = await get(ingest.url, path(PHONE));
    expect(status).toBe(200);
    expect(body.storeId).toBeNull();
    expect(documented('ShopperData', body)).toBeNull();
    expect(body.scheduler.carts.map((c: Json) => `${c.storeId}/${c.cartId}`)).toEqual([
      'lola-shoes/c1',
      'lola-shoes/c2',
      'store-b/c4',
    ]);
    expect(body.sender.messages.map((x: Json) => x.sendId).sort()).toEqual(['lola-shoes:c1:1', 'store-b:c4:1']);
    expect(body.sender.suppressions).toEqual([
      {
        storeId: 'erased-store',
        optedOutAt: expect.any(String),
        source: 'reply',
        note: expect.stringMatching(/^an erasure suppression exists/),
      },
    ]);
    expect(JSON.stringify(body)).not.toContain(parsePhoneHashKey(HASH_KEY).hash(PHONE));
    expect(body.ingest.erasureRequests).toEqual([
      expect.objectContaining({ storeId: 'erased-store', status: 'pending' }),
    ]);
    expect(JSON.stringify(body)).not.toContain(OTHER.slice(3));
  });

  it('needs the platform key at ingest, the scheduler and the sender; a bad phone is 422', async () => {
    for (const base of [ingest.url, scheduler.url, sender.url]) {
      expect((await get(base, path(PHONE), null)).status).toBe(401);
      expect((await get(base, path(PHONE), 'not-a-key')).status).toBe(401);
      const bad = await get(base, path('600818181', 'a/b'));
      expect(bad.status).toBe(422);
      expect(bad.body.problems).toHaveLength(2);
      expect(documented('ShopperDataRefusal', bad.body)).toBeNull();
    }
  });

  it('answers 502 naming the sender once it stops answering, and never logs the phone', async () => {
    await sender.close();
    senderStopped = true;
    const { status, body } = await get(ingest.url, path(PHONE, 'lola-shoes'));
    expect(status).toBe(502);
    expect(body).toMatchObject({ statusCode: 502, service: 'sender', message: 'the sender did not answer' });
    expect(documented('ShopperDataUnanswered', body)).toBeNull();
    expect(JSON.stringify(body)).not.toContain(DIGITS);
    for (const logs of [ingest.logs, scheduler.logs, sender.logs]) {
      expect(logs.filter((line) => line.includes(DIGITS))).toEqual([]);
    }
    expect(ingest.logs.some((line) => line.includes('access request answered'))).toBe(true);
  });
});
