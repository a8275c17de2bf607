import { createDataSource, runMigrations } from '@lib/database';
import { parsePhoneHashKey } from '@lib/secrets';
import { readSchedulerConfig } from '../src/config';
import { schedulerDatabase } from '../src/database';
import { ErasureRepository } from '../src/erasure/erasure.repository';
import { PurgeRepository } from '../src/retention/purge.repository';
import { StatsController } from '../src/stats/stats.controller';
import { StatsRepository } from '../src/stats/stats.repository';

// The scheduler's erasure on a real schema (no Kafka): a shopper's carts (one opted in, one not,
// at two stores), their episodes, outcomes, contact rows and consent record go, the others'
// stay, and each store's stats answer the same before and after.
const DAY = 86_400_000;
const PHONE = '+34600777111';
const OTHER = '+34600777222';
const hashKey = parsePhoneHashKey(Buffer.alloc(32, 9).toString('base64'));

describe('erasure of a shopper in the scheduler', () => {
  const schema = `sched_erasure_${Date.now()}`;
  const config = readSchedulerConfig({
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_SCHEMA: schema,
  });
  const dataSource = createDataSource(schedulerDatabase(config));
  const erasures = new ErasureRepository(dataSource, new PurgeRepository(dataSource));
  const stats = new StatsController(new StatsRepository(dataSource));
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => {
    await runMigrations(dataSource);
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  const facts = (phone: string, optIn: boolean) =>
    JSON.stringify({
      phone: { v: phone, t: 1 },
      firstName: { v: 'Ana', t: 1 },
      optIn: { v: optIn, t: 1 },
      items: { v: [{ sku: 'S1', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }], t: 1 },
      seen: [],
    });

  /** A cart messaged, delivered and bought after, with its closed episode and outcome. */
  async function seedRecovered(store: string, cart: string, phone: string, optIn: boolean, detectedAt: number) {
    const sendId = `${store}:${cart}:1`;
    await dataSource.query(
      `INSERT INTO abandonments (store_id, cart_id, episode, status, detected_at, due_at, not_after, closed_at, send_id)
       VALUES ($1, $2, 1, 'emitted', $3, $4, $5, $4, $6)`,
      [store, cart, iso(detectedAt), iso(detectedAt + 3_600_000), iso(detectedAt + 3 * DAY), sendId],
    );
    await dataSource.query(
      `INSERT INTO message_outcomes (send_id, store_id, cart_id, sent_at, delivered_at) VALUES ($1, $2, $3, $4, $4)`,
      [sendId, store, cart, iso(detectedAt + 3_700_000)],
    );
    await dataSource.query(
      `INSERT INTO carts (store_id, cart_id, version, facts, phone, last_activity_at, converted_at, order_total,
         order_currency, episode, status, detected_at, due_at, closed_at, send_id)
       VALUES ($1, $2, 1, $3, $4, $5, $6, '59.90', 'EUR', 1, 'emitted', $5, $7, $7, $8)`,
      [
        store,
        cart,
        facts(phone, optIn),
        optIn ? phone : null,
        iso(detectedAt),
        iso(detectedAt + 5_000_000),
        iso(detectedAt + 3_600_000),
        sendId,
      ],
    );
  }

  const window = () => {
    const from = new Date(Math.floor((now - 10 * DAY) / DAY) * DAY);
    const to = new Date(Math.floor(now / DAY) * DAY + DAY);
    return [from.toISOString(), to.toISOString()] as const;
  };

  it('erases every row of the shopper at one store, keeps the counts, and remembers the hash', async () => {
    await seedRecovered('store-a', 'c1', PHONE, true, now - 3 * DAY);
    await seedRecovered('store-a', 'c2', PHONE, false, now - 2 * DAY);
    await seedRecovered('store-a', 'c3', OTHER, true, now - 2 * DAY);
    await seedRecovered('store-b', 'c4', PHONE, true, now - 2 * DAY);
    await dataSource.query(
      `INSERT INTO contacts (store_id, phone, opted_out_at, last_sent_at) VALUES ('store-a', $1, $2, $2), ('store-a', $3, NULL, $2)`,
      [PHONE, iso(now - DAY), OTHER],
    );
    await dataSource.query(
      `INSERT INTO consent_records (store_id, phone, channel, state, source, consented_at, event_id)
       VALUES ('store-a', $1, 'whatsapp', 'granted', 'checkout', $2, 'e1')`,
      [PHONE, iso(now - 3 * DAY)],
    );
    const [from, to] = window();
    const before = await stats.storeStats('store-a', from, to);
    expect(before).toMatchObject({ abandoned: 3 });

    const id = '0b5f3f6e-8d8e-4e4b-9a8e-2f1c7d9b6a11';
    const erased = await erasures.erase({
      id,
      phone: PHONE,
      phoneHash: hashKey.hash(PHONE),
      storeId: 'store-a',
      requestedAt: new Date(now),
    });
    expect(erased).toEqual({
      carts: 2,
      abandonments: 2,
      message_outcomes: 2,
      link_clicks: 0,
      contacts: 1,
      consent_records: 1,
    });

    expect(await stats.storeStats('store-a', from, to)).toEqual(before);
    // Nothing of the shopper at store-a is left in any table; store-b's cart and the other shopper stay.
    const hits = async (store: string) => {
      let n = 0;
      for (const table of ['carts', 'abandonments', 'message_outcomes', 'contacts', 'consent_records']) {
        const [row] = await dataSource.query(
          `SELECT count(*) AS n FROM ${table} t WHERE t.store_id = $2 AND row_to_json(t)::text LIKE '%' || $1 || '%'`,
          [PHONE.slice(3), store],
        );
        n += Number(row.n);
      }
      return n;
    };
    expect(await hits('store-a')).toBe(0);
    expect(await hits('store-b')).toBeGreaterThan(0);
    const [{ n: zapatillas }] = await dataSource.query(
      `SELECT count(*) AS n FROM carts WHERE store_id = 'store-a' AND facts::text LIKE '%Zapatillas%'`,
    );
    expect(Number(zapatillas)).toBe(1); // the other shopper's cart

    const remembered = await erasures.erasedShoppers([hashKey.hash(PHONE), hashKey.hash(OTHER)]);
    expect([...remembered.keys()]).toEqual([hashKey.hash(PHONE)]);
    expect(remembered.get(hashKey.hash(PHONE))).toEqual([{ storeId: 'store-a', requestedAt: now }]);

    // The in-flight rule on what is still on the topics: before the erasure, at that store, dropped.
    const inFlight = [
      { storeId: 'store-a', phone: PHONE, at: now - 1000 },
      { storeId: 'store-a', phone: PHONE, at: now + 1000 },
      { storeId: 'store-b', phone: PHONE, at: now - 1000 },
      { storeId: 'store-a', phone: OTHER, at: now - 1000 },
    ];
    expect(await erasures.withoutErased(inFlight, hashKey, (i) => i)).toEqual(inFlight.slice(1));

    // Again (a redelivery): nothing more to erase, nothing counted twice.
    expect(
      await erasures.erase({
        id,
        phone: PHONE,
        phoneHash: hashKey.hash(PHONE),
        storeId: 'store-a',
        requestedAt: new Date(now),
      }),
    ).toEqual({ contacts: 0, consent_records: 0 });
    expect(await stats.storeStats('store-a', from, to)).toEqual(before);
    expect((await erasures.erasedShoppers([hashKey.hash(PHONE)])).get(hashKey.hash(PHONE))).toHaveLength(1);
  });

  it('erases the shopper at every store when the store is null, and forgets the hash after the retention', async () => {
    const [from, to] = window();
    const before = await stats.storeStats('store-b', from, to);
    const erased = await erasures.erase({
      id: '1b5f3f6e-8d8e-4e4b-9a8e-2f1c7d9b6a12',
      phone: PHONE,
      phoneHash: hashKey.hash(PHONE),
      storeId: null,
      requestedAt: new Date(now),
    });
    expect(erased).toMatchObject({ carts: 1 });
    expect(await stats.storeStats('store-b', from, to)).toEqual(before);
    expect(await erasures.forgetExpired(new Date(now + 10 * DAY))).toBe(0);
    expect(await erasures.forgetExpired(new Date(now + 24 * DAY))).toBe(2);
    expect((await erasures.erasedShoppers([hashKey.hash(PHONE)])).size).toBe(0);
  });
});
