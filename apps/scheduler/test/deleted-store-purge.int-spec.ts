import type { DataSource } from 'typeorm';
import type { StoreSettings } from '@lib/contracts';
import { createLogger, createMetrics } from '@lib/observability';
import { eventually } from '../../../test/support/kafka';
import { schemaOfItsOwn } from '../../../test/support/schema-of-its-own';
import { readSchedulerConfig } from '../src/config';
import { schedulerMigrations } from '../src/migrations';
import { PurgeLoop } from '../src/retention/purge-loop';
import { PurgeRepository } from '../src/retention/purge.repository';
import { SchedulerMetrics } from '../src/scheduler.metrics';
import { StoreSettingsRepository } from '../src/store-settings/store-settings.repository';

// The purge of a deleted store's rows on a real schema (no Kafka, no timer loop): four stores
// with the same rows of every table, as the pipelines leave them (a cart with a timer, one
// waiting on a deferred message, old and recent carts, their episodes, outcomes and clicks,
// an opt-out, a hold in force, a consent record, daily stats). The store deleted 31 days ago
// loses every row; the one deleted 29 days ago, the one deleted then PUT again and the live
// one keep all of theirs.
const DAY = 86_400_000;
const GRACE_DAYS = 30;
const TABLES = [
  'carts',
  'abandonments',
  'message_outcomes',
  'link_clicks',
  'contacts',
  'consent_records',
  'stats_daily',
] as const;

let dataSource: DataSource;
let drop: () => Promise<void>;
let loop: PurgeLoop;
let metrics: SchedulerMetrics;
let settings: StoreSettingsRepository;
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY).toISOString();
const someSettings = { storeId: 'x', enabled: true } as unknown as StoreSettings;

beforeAll(async () => {
  ({ dataSource, drop } = await schemaOfItsOwn('sched_deleted_store', schedulerMigrations));
  metrics = new SchedulerMetrics(createMetrics('scheduler'));
  settings = new StoreSettingsRepository(dataSource);
  const config = readSchedulerConfig({
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: process.env.DATABASE_URL!,
    SCHEDULER_PURGE_BATCH_SIZE: '3', // a store's rows over many batches, so the cursor is exercised
    SCHEDULER_PURGE_PAUSE_MS: '0',
    RETENTION_DELETED_STORE_DAYS: String(GRACE_DAYS),
  });
  loop = new PurgeLoop(
    new PurgeRepository(dataSource),
    metrics,
    config,
    createLogger('scheduler', { level: 'silent' }),
  );
});

afterAll(() => drop());

/** Rows of every table for one store; none the retention alone would purge (all within 90 days, or still needed). */
async function seedStore(store: string): Promise<void> {
  const q = (sql: string, params: unknown[]) => dataSource.query(sql, params);
  // A cart waiting on its timer (kept however old by the retention rule).
  await q(
    `INSERT INTO carts (store_id, cart_id, version, facts, phone, episode, status, detected_at, due_at,
       timer_at, timer_kind, updated_at)
     VALUES ($1, 'c-timer', 1, '{}', '+34600000001', 1, 'scheduled', $2, $3, $3, 'send', $2)`,
    [store, ago(200), ago(199)],
  );
  // Carts with a closed episode each, old (40 days) and recent (2 days); the old one's message
  // deferred and unsettled; both clicked.
  for (const [cart, days] of [
    ['c-old', 40],
    ['c-new', 2],
  ] as const) {
    const sendId = `${store}:${cart}:1`;
    await q(
      `INSERT INTO carts (store_id, cart_id, version, facts, phone, episode, status, detected_at, closed_at, send_id,
         updated_at)
       VALUES ($1, $2, 1, '{}', '+34600000002', 1, 'emitted', $3, $3, $4, $3)`,
      [store, cart, ago(days), sendId],
    );
    await q(
      `INSERT INTO abandonments (store_id, cart_id, episode, status, detected_at, not_after, closed_at, send_id)
       VALUES ($1, $2, 1, 'emitted', $3, NULL, $3, $4)`,
      [store, cart, ago(days), sendId],
    );
    await q(
      `INSERT INTO message_outcomes (send_id, store_id, cart_id, deferred_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
      [sendId, store, cart, ago(days)],
    );
    await q(
      `INSERT INTO link_clicks (send_id, store_id, cart_id, first_clicked_at, last_clicked_at, clicks)
       VALUES ($1, $2, $3, $4, $4, 2)`,
      [sendId, store, cart, ago(days)],
    );
  }
  // The current episode's outcome (the cart row's own sendId, no closed episode).
  await q(`UPDATE carts SET send_id = $2 WHERE store_id = $1 AND cart_id = 'c-timer'`, [store, `${store}:c-timer:1`]);
  await q(
    `INSERT INTO message_outcomes (send_id, store_id, cart_id, sent_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
    [`${store}:c-timer:1`, store, 'c-timer', ago(1)],
  );
  // An opt-out (kept for good by the retention rule), a hold in force, a recent last send.
  await q(`INSERT INTO contacts (store_id, phone, opted_out_at) VALUES ($1, '+34600000001', $2)`, [store, ago(300)]);
  await q(`INSERT INTO contacts (store_id, phone, hold_until, last_sent_at) VALUES ($1, '+34600000002', $2, $3)`, [
    store,
    new Date(now + DAY).toISOString(),
    ago(1),
  ]);
  await q(
    `INSERT INTO consent_records (store_id, phone, channel, state, source, consented_at, event_id, last_seen_at)
     VALUES ($1, '+34600000002', 'whatsapp', 'granted', 'checkout', $2, 'e-1', $2)`,
    [store, ago(2)],
  );
  for (const day of [400, 100])
    await q(`INSERT INTO stats_daily (store_id, day, metric, key, count) VALUES ($1, $2::date, 'abandoned', '', 5)`, [
      store,
      ago(day),
    ]);
}

async function rowsOf(store: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES)
    counts[table] = Number(
      (await dataSource.query(`SELECT count(*) AS n FROM ${table} WHERE store_id = $1`, [store]))[0].n,
    );
  return counts;
}

const SEEDED = {
  carts: 3,
  abandonments: 2,
  message_outcomes: 3,
  link_clicks: 2,
  contacts: 2,
  consent_records: 1,
  stats_daily: 2,
};
const NONE = Object.fromEntries(TABLES.map((t) => [t, 0]));

describe('purge of a deleted store (RETENTION_DELETED_STORE_DAYS)', () => {
  beforeAll(async () => {
    for (const store of ['gone', 'in-grace', 'back', 'live']) {
      await seedStore(store);
      await settings.put(store, { ...someSettings, storeId: store });
    }
    await settings.put('gone', null, new Date(ago(GRACE_DAYS + 1)));
    await settings.put('in-grace', null, new Date(ago(GRACE_DAYS - 1)));
    // Deleted long ago, then PUT again: it is no longer deleted.
    await settings.put('back', null, new Date(ago(GRACE_DAYS + 5)));
    await settings.put('back', { ...someSettings, storeId: 'back' });
  });

  it('records the deletion at the tombstone, keeps the first of two tombstones, and clears it on a PUT', async () => {
    const deletedAt = async (store: string) => {
      const [row]: Array<{ deleted_at: Date | null; settings: unknown }> = await dataSource.query(
        'SELECT deleted_at, settings FROM store_settings WHERE store_id = $1',
        [store],
      );
      return row.deleted_at?.toISOString() ?? null;
    };
    expect(await deletedAt('gone')).toBe(ago(GRACE_DAYS + 1));
    expect(await deletedAt('back')).toBeNull();
    expect(await deletedAt('live')).toBeNull();
    await settings.put('probe', { ...someSettings, storeId: 'probe' });
    await settings.put('probe', null, new Date(ago(3)));
    await settings.put('probe', null, new Date(ago(1))); // a replayed or second tombstone
    expect(await deletedAt('probe')).toBe(ago(3));
    await settings.put('probe', { ...someSettings, storeId: 'probe' });
    expect(await deletedAt('probe')).toBeNull();
  });

  it('deletes every row of the store deleted 31 days ago, whatever its state; the others keep all of theirs', async () => {
    for (const store of ['gone', 'in-grace', 'back', 'live'])
      expect([store, await rowsOf(store)]).toEqual([store, SEEDED]);
    const purgedBefore = (await metrics.purgedRows.get()).values.find((v) => v.labels.table === 'stats_daily')?.value;

    const deleted = await loop.sweepOnce();

    expect(deleted).toEqual(SEEDED); // only the deleted store's rows, none by the retention alone
    expect(await rowsOf('gone')).toEqual(NONE);
    for (const store of ['in-grace', 'back', 'live']) expect([store, await rowsOf(store)]).toEqual([store, SEEDED]);
    expect((await metrics.purgedRows.get()).values).toContainEqual(
      expect.objectContaining({ labels: { table: 'stats_daily' }, value: (purgedBefore ?? 0) + 2 }),
    );
    // The store's row stays (no settings, its deletion time): a late write of it goes next sweep.
    const [row] = await dataSource.query(`SELECT settings, deleted_at FROM store_settings WHERE store_id = 'gone'`);
    expect(row).toEqual({ settings: null, deleted_at: new Date(ago(GRACE_DAYS + 1)) });
    await seedStore('gone');
    expect(await loop.sweepOnce()).toEqual(SEEDED);
    expect(await rowsOf('gone')).toEqual(NONE);
  });

  it('purges nothing more on a sweep once the deleted store is empty', async () => {
    expect(await loop.sweepOnce()).toEqual({});
    for (const store of ['in-grace', 'back', 'live']) expect([store, await rowsOf(store)]).toEqual([store, SEEDED]);
  });

  it('lets a PUT that holds the store row finish first, then keeps everything: the grace no longer runs', async () => {
    await seedStore('racing');
    await settings.put('racing', null, new Date(ago(GRACE_DAYS + 2)));
    // The PUT's write, not committed yet, while a sweep reads the store as deleted past its grace.
    const put = dataSource.createQueryRunner();
    await put.connect();
    await put.startTransaction();
    await put.query(`UPDATE store_settings SET settings = '{}'::jsonb, deleted_at = NULL WHERE store_id = 'racing'`);
    const sweep = loop.sweepOnce();
    const waiting = await eventually(
      async () =>
        Number(
          (
            await dataSource.query(
              `SELECT count(*) AS n FROM pg_stat_activity
               WHERE wait_event_type = 'Lock' AND query LIKE '%FROM store_settings WHERE store_id = $1 FOR UPDATE%'`,
            )
          )[0].n,
        ),
      (n) => n === 1,
    );
    expect(waiting).toBe(1); // the batch waits on the store's row
    await put.commitTransaction();
    await put.release();
    expect(await sweep).toEqual({});
    expect(await rowsOf('racing')).toEqual(SEEDED);
  });
});
