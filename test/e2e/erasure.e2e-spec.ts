/**
 * Erasure (issue 14 §2), black box: a shopper of a store is messaged, replies BAJA (opt-out),
 * and is erased through POST /v1/erasure-requests. Then every text, JSON and JSONB column of
 * every table of every schema of the database is searched for their phone (E.164 and national
 * digits), their name and a product title of theirs: zero hits. The opt-out still holds (a new
 * cart of that phone gets no message), the store's stats answer the same, and GET answers
 * done with each service's time.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { Client } from 'pg';
import { eventually } from '../support/kafka';
import {
  apiGet,
  cartEvent,
  hoursOpenNow,
  Pipeline,
  postCartEvents,
  putStore,
  startPipeline,
  storeSettings,
} from '../support/pipeline';

const STORE = 'erasure-store';
const NATIONAL = `6${String(randomInt(10_000_000, 99_999_999))}`;
const PHONE = `+34${NATIONAL}`;
const NAME = `Ximena${randomBytes(4).toString('hex')}`;
const TITLE = `Botines erasure ${randomBytes(4).toString('hex')}`;
/** Another shopper of the store, not erased: the search must find them (it can find). */
const OTHER_PHONE = `+34${String(randomInt(700_000_000, 799_999_999))}`;
const HASH_KEY = randomBytes(32).toString('base64');
const DAY = 86_400_000;

let pipeline: Pipeline;
let db: Client;

beforeAll(async () => {
  pipeline = await startPipeline({ label: 'erasure', env: { all: { ERASURE_HASH_KEY: HASH_KEY } } });
  db = new Client({ connectionString: pipeline.databaseUrl });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await pipeline?.stop();
});

interface Hits {
  tables: number;
  columns: number;
  rows: number;
  hits: string[];
}

/** Every text, JSON and JSONB column of every table of every schema, searched for each needle. */
async function search(needles: string[]): Promise<Hits> {
  const { rows: columns } = await db.query<{ schema: string; table: string; column: string }>(
    `SELECT c.table_schema AS schema, c.table_name AS table, c.column_name AS column
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')`,
  );
  const byTable = new Map<string, string[]>();
  for (const c of columns) {
    const key = `"${c.schema}"."${c.table}"`;
    byTable.set(key, [...(byTable.get(key) ?? []), c.column]);
  }
  const out: Hits = { tables: byTable.size, columns: columns.length, rows: 0, hits: [] };
  // One query per table: the row count, and per column and needle the rows holding it.
  for (const [table, cols] of byTable) {
    const counts = cols.flatMap((col, c) =>
      needles.map((_, n) => `count(*) FILTER (WHERE strpos("${col}"::text, $${n + 1}) > 0) AS c${c}_${n}`),
    );
    const [row] = (
      await db.query<Record<string, string>>(`SELECT count(*) AS n, ${counts.join(', ')} FROM ${table}`, needles)
    ).rows;
    out.rows += Number(row.n);
    cols.forEach((col, c) =>
      needles.forEach((needle, n) => {
        if (Number(row[`c${c}_${n}`]) > 0) out.hits.push(`${table}.${col}: ${needle} ×${row[`c${c}_${n}`]}`);
      }),
    );
  }
  return out;
}

const statsWindow = () => {
  const today = Math.floor(Date.now() / DAY) * DAY;
  return `from=${new Date(today - DAY).toISOString()}&to=${new Date(today + DAY).toISOString()}`;
};

it('erases a messaged, opted-out shopper from every table, keeps the opt-out and the stats', async () => {
  await putStore(
    pipeline,
    storeSettings({ storeId: STORE, name: 'Erasure', timezone: 'UTC', openingHours: hoursOpenNow('UTC') }),
  );
  const items = [{ sku: 'SKU-E1', title: TITLE, quantity: 1, unitPrice: '79.90' }];
  const ago = new Date(Date.now() - 300_000);
  await postCartEvents(pipeline, [
    cartEvent({
      storeId: STORE,
      cartId: 'c-erased',
      type: 'checkout.started',
      occurredAt: ago,
      phone: PHONE,
      firstName: NAME,
      items,
    }),
    cartEvent({
      storeId: STORE,
      cartId: 'c-other',
      type: 'checkout.started',
      occurredAt: ago,
      phone: OTHER_PHONE,
      firstName: 'Otro',
      items,
    }),
  ]);
  // Both messaged; the shopper replies BAJA, and the opt-out reaches the scheduler.
  await eventually(
    () => pipeline.simulator.messages(),
    (m) => m.filter((x) => x.to === PHONE || x.to === OTHER_PHONE).length === 2,
    90_000,
  );
  await pipeline.simulator.reply(PHONE, 'BAJA');
  await eventually(
    () =>
      db.query(`SELECT 1 FROM "${pipeline.schemas.scheduler}".contacts WHERE phone = $1 AND opted_out_at IS NOT NULL`, [
        PHONE,
      ]),
    (r) => r.rowCount === 1,
    60_000,
  );
  await pipeline.simulator.webhooksIdle(15_000);

  const before = await search([PHONE, NATIONAL, NAME, TITLE]);
  expect(before.hits.length).toBeGreaterThan(3); // the search finds what is there
  const statsBefore = await apiGet(pipeline, 'scheduler', `/v1/stores/${STORE}/stats?${statsWindow()}`);
  expect(statsBefore.status).toBe(200);

  const posted = await fetch(`${pipeline.url('ingest')}/v1/erasure-requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pipeline.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ phone: PHONE, storeId: STORE }),
  });
  expect(posted.status).toBe(202);
  const { id } = (await posted.json()) as { id: string };
  const done = await eventually(
    () =>
      apiGet<{ status: string; requestedAt: string; services: Record<string, string | null> }>(
        pipeline,
        'ingest',
        `/v1/erasure-requests/${id}`,
      ),
    (r) => r.body?.status === 'done',
    60_000,
  );
  const requestedAt = done.body!.requestedAt;
  for (const service of ['ingest', 'scheduler', 'sender'])
    expect(Date.parse(done.body!.services[service] ?? '')).toBeGreaterThan(Date.now() - 300_000);

  // Zero hits of the erased shopper; the other shopper (same product) is still found.
  const after = await search([PHONE, NATIONAL, NAME]);
  const titles = await search([TITLE]);
  console.log(
    `erasure search: ${after.tables} tables of every schema, ${after.columns} text/json/jsonb columns, ${after.rows} rows; ` +
      `the phone (E.164 and national digits) and the name: ${after.hits.length} hits after the erasure ` +
      `(${before.hits.length} column hits before it, the product title included); the product title: only in the other ` +
      `shopper's rows (${titles.hits.length} columns)`,
  );
  expect(after.hits).toEqual([]);
  expect(await search([OTHER_PHONE])).toMatchObject({ hits: expect.arrayContaining([expect.any(String)]) });
  // The title belongs to the other shopper's cart too: every hit must be a row of theirs.
  const { rows: titleRows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM "${pipeline.schemas.scheduler}".carts WHERE facts::text LIKE '%' || $1 || '%' AND cart_id <> 'c-other'`,
    [TITLE],
  );
  expect(Number(titleRows[0].n)).toBe(0);
  const { rows: senderTitle } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM "${pipeline.schemas.sender}".messages WHERE row_to_json(messages)::text LIKE '%' || $1 || '%' AND cart_id <> 'c-other'`,
    [TITLE],
  );
  expect(Number(senderTitle[0].n)).toBe(0);

  // The store's stats answer the same.
  expect((await apiGet(pipeline, 'scheduler', `/v1/stores/${STORE}/stats?${statsWindow()}`)).body).toEqual(
    statsBefore.body,
  );

  // The opt-out holds: a new cart of that phone gets no message (skipped as opted out).
  const sentBefore = (await pipeline.simulator.messages({ to: PHONE })).length;
  await postCartEvents(pipeline, [
    // After the erasure: the shopper is back.
    cartEvent({ storeId: STORE, cartId: 'c-after', type: 'checkout.started', occurredAt: new Date(), phone: PHONE }),
    // Before the erasure, still in flight: dropped (the in-flight rule), it brings nothing back.
    cartEvent({
      storeId: STORE,
      cartId: 'c-late',
      type: 'checkout.started',
      occurredAt: new Date(Date.parse(requestedAt) - 1000),
      phone: PHONE,
      firstName: NAME,
    }),
  ]);
  const skipped = await eventually(
    () =>
      db.query<{ state: string; reason: string }>(
        `SELECT state, reason FROM "${pipeline.schemas.sender}".messages WHERE cart_id = 'c-after'`,
      ),
    (r) => r.rowCount === 1 && r.rows[0].state !== 'sending',
    150_000,
  );
  expect(skipped.rows[0]).toMatchObject({ state: 'skipped' });
  expect((await pipeline.simulator.messages({ to: PHONE })).length).toBe(sentBefore);
  const late = await db.query(`SELECT 1 FROM "${pipeline.schemas.scheduler}".carts WHERE cart_id = 'c-late'`);
  expect(late.rowCount).toBe(0);
  expect((await search([NAME])).hits).toEqual([]);
}, 420_000);
