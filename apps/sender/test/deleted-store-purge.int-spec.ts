import type { DataSource } from 'typeorm';
import type { StoreSettings } from '@lib/contracts';
import type { ConsumedRecord } from '@lib/kafka';
import { createLogger, createMetrics } from '@lib/observability';
import { eventually } from '../../../test/support/kafka';
import { schemaOfItsOwn } from '../../../test/support/schema-of-its-own';
import { TEST_SECRETS_ENCRYPTION_KEYS } from '../../../test/support/secrets';
import { readSenderConfig } from '../src/config';
import { senderMigrations } from '../src/migrations';
import { PurgeLoop } from '../src/retention/purge-loop';
import { PurgeRepository } from '../src/retention/purge.repository';
import { SenderMetrics } from '../src/sender.metrics';
import { MessageRepository } from '../src/messages/message.repository';
import { StoreSettingsPipeline } from '../src/store-settings/store-settings.pipeline';
import { StoreSettingsRepository } from '../src/store-settings/store-settings.repository';
import { storeSettings } from './harness';

// The purge of a deleted store's rows in the sender's schema (no Kafka, no loops): four stores
// with the same rows of every table (messages sending, deferred, unknown and settled, a cart
// closure, a frequency slot in force, an opt-out and an erasure's suppression, a shopper
// identity, a pending opt-out, a marketing limit). The store deleted 31 days ago loses every
// row; the one deleted 29 days ago, the one deleted then PUT again and the live one keep all.
const DAY = 86_400_000;
const GRACE_DAYS = 30;
const TABLES = [
  'messages',
  'cart_closures',
  'contacts',
  'opt_outs',
  'suppressions',
  'shopper_identities',
  'pending_opt_outs',
  'marketing_limits',
] as const;

let dataSource: DataSource;
let drop: () => Promise<void>;
let loop: PurgeLoop;
let settings: StoreSettingsRepository;
let pipeline: StoreSettingsPipeline;
let metrics: SenderMetrics;
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY).toISOString();
const settingsOf = (storeId: string) =>
  ({ storeId, enabled: true, whatsapp: { mode: 'text', phoneNumberId: '1065' } }) as unknown as StoreSettings;

beforeAll(async () => {
  ({ dataSource, drop } = await schemaOfItsOwn('sender_deleted_store', senderMigrations));
  const config = readSenderConfig({
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: process.env.DATABASE_URL!,
    SECRETS_ENCRYPTION_KEYS: TEST_SECRETS_ENCRYPTION_KEYS,
    SENDER_PURGE_BATCH_SIZE: '3', // a store's rows over many batches, so the cursor is exercised
    SENDER_PURGE_PAUSE_MS: '0',
    RETENTION_DELETED_STORE_DAYS: String(GRACE_DAYS),
  });
  settings = new StoreSettingsRepository(dataSource, config);
  metrics = new SenderMetrics(createMetrics('sender'));
  const logger = createLogger('sender', { level: 'silent' });
  pipeline = new StoreSettingsPipeline(settings, new MessageRepository(dataSource), metrics, logger);
  loop = new PurgeLoop(new PurgeRepository(dataSource), metrics, config, logger);
});

afterAll(() => drop());

/** Rows of every table for one store; none the retention alone would purge (recent, or never purged). */
async function seedStore(store: string): Promise<void> {
  const q = (sql: string, params: unknown[]) => dataSource.query(sql, params);
  // Five days old: their bodies and rows stay by the retention; a deferred one held for a paused store (no time).
  for (const [i, state] of ['sending', 'deferred', 'unknown', 'sent', 'read'].entries())
    await q(
      `INSERT INTO messages (send_id, store_id, cart_id, phone, phone_number_id, state, locale, rendered_text,
         send_due, sending_since, history, created_at, updated_at)
       VALUES ($1, $2, $3, '+34600000001', '1065', $4, 'es', 'Hola Ana, tus zapatillas rojas te esperan',
         $5, $6, '[]', $7, $7)`,
      [
        `${store}:c-${i}:1`,
        store,
        `c-${i}`,
        state,
        state === 'deferred' ? JSON.stringify({ sendId: `${store}:c-${i}:1` }) : null,
        state === 'sending' ? ago(5) : null,
        ago(5),
      ],
    );
  await q(`INSERT INTO cart_closures (store_id, cart_id, kind, occurred_at) VALUES ($1, 'c-3', 'converted', $2)`, [
    store,
    ago(2),
  ]);
  await q(
    `INSERT INTO contacts (store_id, phone, last_send_id, last_sent_at, hold_until) VALUES ($1, '+34600000001', $2, $3, $4)`,
    [store, `${store}:c-3:1`, ago(1), new Date(now + DAY).toISOString()],
  );
  await q(`INSERT INTO opt_outs (store_id, phone, opted_out_at, source) VALUES ($1, '+34600000002', $2, 'stop')`, [
    store,
    ago(300),
  ]);
  await q(`INSERT INTO suppressions (store_id, phone_hash, opted_out_at, source) VALUES ($1, 'h-1', $2, 'stop')`, [
    store,
    ago(200),
  ]);
  await q(`INSERT INTO shopper_identities (store_id, phone, user_id) VALUES ($1, '+34600000001', 'u-1')`, [store]);
  await q(`INSERT INTO pending_opt_outs (store_id, user_id, opted_out_at, source) VALUES ($1, 'u-2', $2, 'stop')`, [
    store,
    ago(3),
  ]);
  await q(`INSERT INTO marketing_limits (store_id, phone, limited_at, until) VALUES ($1, '+34600000001', $2, $3)`, [
    store,
    ago(1),
    new Date(now + DAY).toISOString(),
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
  messages: 5,
  cart_closures: 1,
  contacts: 1,
  opt_outs: 1,
  suppressions: 1,
  shopper_identities: 1,
  pending_opt_outs: 1,
  marketing_limits: 1,
};
const NONE = Object.fromEntries(TABLES.map((t) => [t, 0]));
const deletedAt = async (store: string): Promise<string | null> => {
  const [row]: Array<{ deleted_at: Date }> = await dataSource.query(
    'SELECT deleted_at FROM deleted_stores WHERE store_id = $1',
    [store],
  );
  return row?.deleted_at.toISOString() ?? null;
};

describe('purge of a deleted store in the sender (RETENTION_DELETED_STORE_DAYS)', () => {
  beforeAll(async () => {
    for (const store of ['gone', 'in-grace', 'back', 'live']) {
      await seedStore(store);
      await settings.put(store, settingsOf(store));
    }
    await settings.delete('gone', new Date(ago(GRACE_DAYS + 1)));
    await settings.delete('in-grace', new Date(ago(GRACE_DAYS - 1)));
    await settings.delete('back', new Date(ago(GRACE_DAYS + 5)));
    await settings.put('back', settingsOf('back')); // PUT again: no longer deleted
  });

  it('records the deletion at the tombstone, keeps the first of two tombstones, and forgets it on a PUT', async () => {
    expect(await deletedAt('gone')).toBe(ago(GRACE_DAYS + 1));
    expect((await settings.ofStores(['gone'])).size).toBe(0);
    expect(await deletedAt('back')).toBeNull();
    expect((await settings.ofStores(['back'])).size).toBe(1);
    await settings.put('probe', settingsOf('probe'));
    await settings.delete('probe', new Date(ago(3)));
    await settings.delete('probe', new Date(ago(1))); // a replayed or second tombstone
    expect(await deletedAt('probe')).toBe(ago(3));
    await settings.put('probe', settingsOf('probe'));
    expect(await deletedAt('probe')).toBeNull();
  });

  it('deletes every row of the store deleted 31 days ago, whatever its state; the others keep all of theirs', async () => {
    for (const store of ['gone', 'in-grace', 'back', 'live'])
      expect([store, await rowsOf(store)]).toEqual([store, SEEDED]);

    const swept = await loop.sweepOnce();

    expect(swept).toEqual({ deleted: SEEDED, blanked: 0 }); // only the deleted store's rows
    expect(await rowsOf('gone')).toEqual(NONE);
    for (const store of ['in-grace', 'back', 'live']) expect([store, await rowsOf(store)]).toEqual([store, SEEDED]);
    // Its deletion stays recorded: rows a late record writes for it go at the next sweep.
    expect(await deletedAt('gone')).toBe(ago(GRACE_DAYS + 1));
    await seedStore('gone');
    expect(await loop.sweepOnce()).toEqual({ deleted: SEEDED, blanked: 0 });
    expect(await rowsOf('gone')).toEqual(NONE);
    expect(await loop.sweepOnce()).toEqual({ deleted: {}, blanked: 0 });
  });

  it('the store-settings pipeline dates a tombstone by its record, and a PUT record clears it', async () => {
    const record = (storeId: string, value: unknown, at: number): ConsumedRecord => ({
      topic: 'store-settings',
      partition: 0,
      offset: '0',
      key: Buffer.from(storeId),
      value: value === null ? null : Buffer.from(JSON.stringify(value)),
      headers: {},
      timestamp: String(at),
    });
    const put = storeSettings({ storeId: 'via-topic' }); // as ingest publishes it, the token sealed
    await pipeline.handle([record('via-topic', put, now - 3 * DAY)]);
    await pipeline.handle([record('via-topic', null, now - 2 * DAY)]);
    expect(await deletedAt('via-topic')).toBe(ago(2));
    expect((await settings.ofStores(['via-topic'])).size).toBe(0);
    await pipeline.handle([record('via-topic', put, now)]);
    expect(await deletedAt('via-topic')).toBeNull();
    expect((await settings.ofStores(['via-topic'])).size).toBe(1);
  });

  it('lets a PUT that holds the deleted_stores row finish first, then keeps everything', async () => {
    await seedStore('racing');
    await settings.delete('racing', new Date(ago(GRACE_DAYS + 2)));
    // The PUT's write, not committed yet, while a sweep reads the store as deleted past its grace.
    const put = dataSource.createQueryRunner();
    await put.connect();
    await put.startTransaction();
    await put.query(`DELETE FROM deleted_stores WHERE store_id = 'racing'`);
    const sweep = loop.sweepOnce();
    const waiting = await eventually(
      async () =>
        Number(
          (
            await dataSource.query(
              `SELECT count(*) AS n FROM pg_stat_activity
               WHERE wait_event_type = 'Lock' AND query LIKE '%FROM deleted_stores WHERE store_id = $1 FOR UPDATE%'`,
            )
          )[0].n,
        ),
      (n) => n === 1,
    );
    expect(waiting).toBe(1); // the batch waits on the store's row
    await put.commitTransaction();
    await put.release();
    expect(await sweep).toEqual({ deleted: {}, blanked: 0 });
    expect(await rowsOf('racing')).toEqual(SEEDED);
  });
});
