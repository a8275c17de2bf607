import { createDataSource, runMigrations } from '@lib/database';
import { createLogger, createMetrics } from '@lib/observability';
import { eventually } from '../../../test/support/kafka';
import { CartRepository, cartKeyOf } from '../src/cart-events/cart.repository';
import { readSchedulerConfig } from '../src/config';
import { schedulerDatabase } from '../src/database';
import { PurgeLoop } from '../src/retention/purge-loop';
import { PurgeRepository, type PurgeBatch, type SweepCursor } from '../src/retention/purge.repository';
import { SchedulerMetrics } from '../src/scheduler.metrics';
import { StatsController } from '../src/stats/stats.controller';
import { StatsRepository } from '../src/stats/stats.repository';

// The scheduler's retention purge on a real schema (no Kafka, no timer loop): a year and more of
// carts, episodes, outcomes and contacts seeded as the pipelines write them; the stats read
// before and after the purge must be the same, and what is still needed must stay.
const DAY = 86_400_000;
const STORES = ['store-a', 'store-b'];
const policy = { closedCartDays: 90, contactHoldDays: 30 };

describe('retention purge of the scheduler', () => {
  const schema = `sched_retention_${Date.now()}`;
  const config = readSchedulerConfig({
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_SCHEMA: schema,
    SCHEDULER_PURGE_BATCH_SIZE: '7', // many batches, so the sweep's cursor is exercised
    SCHEDULER_PURGE_PAUSE_MS: '0',
    RETENTION_CLOSED_CART_DAYS: String(policy.closedCartDays),
    RETENTION_CONTACT_HOLD_DAYS: String(policy.contactHoldDays),
  });
  const dataSource = createDataSource(schedulerDatabase(config));
  const stats = new StatsRepository(dataSource);
  const purge = new PurgeRepository(dataSource);
  const metrics = new SchedulerMetrics(createMetrics('scheduler'));
  const loop = new PurgeLoop(purge, metrics, config, createLogger('scheduler', { level: 'silent' }));
  const now = Date.now();
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

  beforeAll(async () => {
    await runMigrations(dataSource);
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  interface Outcome {
    sent?: number;
    delivered?: number;
    read?: number;
    failed?: [number, string];
    skipped?: [number, string];
    expired?: number;
    deferred?: number;
  }
  interface Episode {
    status: 'emitted' | 'expired' | 'skipped';
    reason?: string;
    detectedAt: number;
    scheduled: boolean;
    notAfter?: number | null;
    outcome?: Outcome;
  }

  /** A cart row and its closed episodes and outcomes, as the pipelines leave them. */
  async function seedCart(c: {
    store: string;
    cart: string;
    episodes: Episode[];
    /** The cart row's own (current) episode when it is open. */
    open?: { status: string; detectedAt: number | null; dueAt?: number | null; timerAt?: number | null };
    order?: { at: number; total: string | null; currency: string | null };
    changedAt: number;
  }) {
    for (const [i, e] of c.episodes.entries()) {
      const sendId = e.status === 'emitted' ? `${c.store}:${c.cart}:${i + 1}` : null;
      await dataSource.query(
        `INSERT INTO abandonments (store_id, cart_id, episode, status, reason, detected_at, due_at, not_after, closed_at, send_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          c.store,
          c.cart,
          i + 1,
          e.status,
          e.reason ?? null,
          iso(e.detectedAt),
          e.scheduled ? iso(e.detectedAt + 3_600_000) : null,
          e.notAfter === undefined ? iso(e.detectedAt + 3 * DAY) : iso(e.notAfter),
          iso(e.detectedAt + 3_600_000),
          sendId,
        ],
      );
      if (sendId && e.outcome) {
        const o = e.outcome;
        const at = (ms?: number) => (ms === undefined ? null : iso(ms));
        await dataSource.query(
          `INSERT INTO message_outcomes (send_id, store_id, cart_id, sent_at, delivered_at, read_at, failed_at,
             failed_reason, skipped_at, skipped_reason, expired_at, deferred_at, updated_at, billable,
             pricing_category, paced_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
          [
            sendId,
            c.store,
            c.cart,
            at(o.sent),
            at(o.delivered),
            at(o.read),
            at(o.failed?.[0]),
            o.failed?.[1] ?? null,
            at(o.skipped?.[0]),
            o.skipped?.[1] ?? null,
            at(o.expired),
            at(o.deferred),
            iso(c.changedAt),
            // Meta bills what it sent (marketing, or utility for one cart in three); a failure was held back first.
            o.sent === undefined ? null : true,
            o.sent === undefined ? null : c.cart.length % 3 === 0 ? 'utility' : 'marketing',
            at(o.failed?.[0]),
          ],
        );
      }
    }
    const last = c.episodes.at(-1);
    const open = c.open;
    const timerAt = open?.timerAt ?? null;
    await dataSource.query(
      `INSERT INTO carts (store_id, cart_id, version, facts, phone, last_activity_at, converted_at, order_total,
         order_currency, episode, status, detected_at, due_at, closed_at, send_id, timer_at, timer_kind, updated_at)
       VALUES ($1, $2, 1, '{}', '+34600000000', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        c.store,
        c.cart,
        iso(c.changedAt - 3_600_000),
        iso(c.order?.at ?? null),
        c.order?.total ?? null,
        c.order?.currency ?? null,
        open ? c.episodes.length + 1 : Math.max(1, c.episodes.length),
        open?.status ?? last!.status,
        iso(open ? open.detectedAt : last!.detectedAt),
        open ? iso(open.dueAt ?? null) : last!.scheduled ? iso(last!.detectedAt + 3_600_000) : null,
        open ? null : iso(last!.detectedAt + 3_600_000),
        !open && last!.status === 'emitted' ? `${c.store}:${c.cart}:${c.episodes.length}` : null,
        iso(timerAt),
        timerAt === null ? null : 'send',
        iso(c.changedAt),
      ],
    );
  }

  /** Ten shapes of history, one per cart, spread over 400 days and two stores. */
  async function seedHistory(): Promise<void> {
    for (let i = 0; i < 400; i++) {
      const store = STORES[Math.floor(i / 10) % 2];
      const cart = `c${i}`;
      const d = now - i * DAY - (i % 24) * 3_600_000 - 90_000; // detection; some at odd hours
      const h = (n: number) => d + n * 3_600_000;
      const base = { store, cart, changedAt: h(30) };
      const eur = { at: h(3), total: `${10 + i}.50`, currency: 'EUR' };
      switch (i % 10) {
        case 0: // went out, read, bought after: recovered
          await seedCart({
            ...base,
            episodes: [
              {
                status: 'emitted',
                detectedAt: d,
                scheduled: true,
                outcome: { sent: h(1.1), delivered: h(1.2), read: h(1.3) },
              },
            ],
            order: eur,
          });
          break;
        case 1: // sent then failed (no delivery)
          await seedCart({
            ...base,
            episodes: [
              {
                status: 'emitted',
                detectedAt: d,
                scheduled: true,
                outcome: { sent: h(1.1), failed: [h(1.2), '131026'] },
              },
            ],
          });
          break;
        case 2: // failed before going out; bought anyway (not recovered)
          await seedCart({
            ...base,
            episodes: [{ status: 'emitted', detectedAt: d, scheduled: true, outcome: { failed: [h(1.1), '131047'] } }],
            order: eur,
          });
          break;
        case 3: // the frequency rule held it back
          await seedCart({
            ...base,
            episodes: [{ status: 'skipped', reason: 'frequency-cap', detectedAt: d, scheduled: true }],
          });
          break;
        case 4: // the sender skipped it
          await seedCart({
            ...base,
            episodes: [
              { status: 'emitted', detectedAt: d, scheduled: true, outcome: { skipped: [h(1.1), 'disabled'] } },
            ],
          });
          break;
        case 5: // no opening before notAfter
          await seedCart({ ...base, episodes: [{ status: 'expired', detectedAt: d, scheduled: false }] });
          break;
        case 6: // deferred by the sender, then expired there
          await seedCart({
            ...base,
            episodes: [
              {
                status: 'emitted',
                detectedAt: d,
                scheduled: true,
                outcome: { deferred: h(1.1), expired: h(20) },
              },
            ],
          });
          break;
        case 7: // bought after detection, before the message: cancelled (an open episode)
          await seedCart({
            ...base,
            episodes: [],
            open: { status: 'cancelled', detectedAt: d, dueAt: h(1) },
            order: { at: h(0.5), total: '99.00', currency: 'EUR' },
          });
          break;
        case 8: // the store's messages were off: disabled, and an earlier episode that went out
          await seedCart({
            ...base,
            episodes: [{ status: 'emitted', detectedAt: h(-48), scheduled: true, outcome: { sent: h(-47) } }],
            open: { status: 'disabled', detectedAt: d, dueAt: null },
          });
          break;
        default: // two messages, the second bought after (USD, or no currency at all)
          await seedCart({
            ...base,
            episodes: [
              { status: 'emitted', detectedAt: h(-72), scheduled: true, outcome: { sent: h(-71), read: h(-70) } },
              { status: 'emitted', detectedAt: d, scheduled: true, outcome: { sent: h(1.1), delivered: h(1.5) } },
            ],
            order: { at: h(4), total: i % 20 === 9 ? '7.25' : null, currency: i % 20 === 9 ? 'USD' : null },
          });
      }
    }
    // A cart that never counted (no detection): old, and not needed.
    await dataSource.query(
      `INSERT INTO carts (store_id, cart_id, version, facts, episode, status, reason, updated_at)
       VALUES ('store-a', 'idle-old', 1, '{}', 1, 'idle', 'no-items', $1)`,
      [iso(now - 300 * DAY)],
    );
  }

  /** Rows that must outlive the purge, however old. */
  async function seedStillNeeded(): Promise<void> {
    // An open abandonment with its timer still to fire.
    await seedCart({
      store: 'store-a',
      cart: 'keep-timer',
      episodes: [],
      open: { status: 'scheduled', detectedAt: now - 200 * DAY, dueAt: now + 3_600_000, timerAt: now + 3_600_000 },
      changedAt: now - 200 * DAY,
    });
    // A message the sender deferred and has not settled, with no end the scheduler knows.
    await seedCart({
      store: 'store-b',
      cart: 'keep-deferred',
      episodes: [
        {
          status: 'emitted',
          detectedAt: now - 150 * DAY,
          scheduled: true,
          notAfter: null,
          outcome: { deferred: now - 150 * DAY + 3_600_000 },
        },
      ],
      changedAt: now - 150 * DAY,
    });
    const contact = (phone: string, optedOut: number | null, holdUntil: number | null, lastSent: number | null) =>
      dataSource.query(
        `INSERT INTO contacts (store_id, phone, opted_out_at, hold_send_id, hold_until, last_sent_at)
         VALUES ('store-a', $1, $2, $3, $4, $5)`,
        [phone, iso(optedOut), holdUntil === null ? null : `store-a:x:${phone}`, iso(holdUntil), iso(lastSent)],
      );
    await contact('+34600000001', now - 900 * DAY, null, null); // an opt-out: forever
    await contact('+34600000002', null, now + 10 * DAY, now - 20 * DAY); // a hold in force (720 h rule)
    await contact('+34600000003', null, now - 5 * DAY, now - 6 * DAY); // ended recently
    await contact('+34600000004', null, now - 40 * DAY, now - 41 * DAY); // ended long ago: goes
    await contact('+34600000005', null, null, now - 100 * DAY); // released hold, old message: goes
  }

  /** The stats as GET /v1/stores/{storeId}/stats answers them. */
  const controller = new StatsController(stats);
  const storeStats = (storeId: string, from: Date, to: Date) =>
    controller.storeStats(storeId, from.toISOString(), to.toISOString());

  // Windows whose ends are UTC midnights: the whole 366 days, months on either side of the
  // retention cutoff and across it, and one older than every row.
  const tomorrow = Math.ceil(now / DAY) * DAY;
  const windows: Array<[number, number]> = [
    [tomorrow - 366 * DAY, tomorrow],
    [tomorrow - 30 * DAY, tomorrow],
    [tomorrow - 100 * DAY, tomorrow - 80 * DAY],
    [tomorrow - 200 * DAY, tomorrow - 170 * DAY],
    [tomorrow - 366 * DAY, tomorrow - 300 * DAY],
    [tomorrow - 420 * DAY, tomorrow - 366 * DAY],
    [tomorrow - 91 * DAY, tomorrow - 90 * DAY],
  ];
  const allStats = async () => {
    const out = [];
    for (const store of STORES)
      for (const [from, to] of windows) out.push(await storeStats(store, new Date(from), new Date(to)));
    return out;
  };
  const tableCounts = async () =>
    Object.fromEntries(
      await Promise.all(
        ['carts', 'abandonments', 'message_outcomes', 'contacts', 'stats_daily'].map(async (t) => [
          t,
          Number((await dataSource.query(`SELECT count(*) AS n FROM ${t}`))[0].n),
        ]),
      ),
    ) as Record<string, number>;

  it('gives the same stats after the purge as before, for every window, and keeps what is still needed', async () => {
    await seedHistory();
    await seedStillNeeded();
    const before = await allStats();
    // The history is varied enough that every count could differ.
    const year = before[0];
    const otherYear = before[windows.length];
    expect(year.abandoned).toBeGreaterThan(150);
    for (const k of ['scheduled', 'pending', 'cancelled', 'emitted', 'sent', 'delivered', 'read', 'failed'] as const)
      expect([k, year[k] > 0]).toEqual([k, true]);
    expect(year.expired).toBeGreaterThan(0);
    expect(year.paced).toBeGreaterThan(0);
    expect(year.cost?.billableMessages).toBe(year.sent);
    expect(Object.keys(year.cost?.billableByCategory ?? {}).length).toBeGreaterThan(0);
    expect(otherYear.deferred).toBe(1); // keep-deferred, still open at the sender
    expect(year.skipped.byReason).toEqual({ disabled: expect.any(Number), 'frequency-cap': expect.any(Number) });
    expect(year.recovered).toBeGreaterThan(20);
    expect(Object.keys(year.recoveredRevenue).sort()).toEqual(['EUR', 'USD']);
    const rowsBefore = await tableCounts();
    expect(rowsBefore.stats_daily).toBe(0);

    // A crash between the roll-up and the deletes: the transaction rolls back, nothing is counted twice.
    await dataSource.query(
      `CREATE FUNCTION "${schema}".crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'crash'; END $$`,
    );
    await dataSource.query(
      `CREATE TRIGGER crash BEFORE DELETE ON "${schema}".carts FOR EACH ROW EXECUTE FUNCTION "${schema}".crash()`,
    );
    let cursor: SweepCursor | null = null;
    let crashed = 0;
    for (let i = 0; i < 3; i++) {
      const batch: PurgeBatch | Error = await purge.purgeCarts(cursor, 50, new Date(), policy).catch((e: Error) => e);
      if (batch instanceof Error) crashed++;
      else cursor = batch.next;
    }
    expect(crashed).toBeGreaterThan(0);
    await dataSource.query(`DROP TRIGGER crash ON "${schema}".carts`);
    expect(await tableCounts()).toEqual(rowsBefore);
    expect(await allStats()).toEqual(before);

    // Another instance sweeping (it holds the purge lock): this one looks at nothing and deletes nothing.
    const other = await dataSource.createQueryRunner();
    await other.query(`SELECT pg_advisory_lock(hashtext($1 || ':scheduler-purge'))`, [schema]);
    try {
      expect(await purge.purgeCarts(null, 50, new Date(), policy)).toEqual({ busy: true, deleted: {}, next: null });
      expect(await loop.sweepOnce()).toEqual({});
    } finally {
      await other.query(`SELECT pg_advisory_unlock(hashtext($1 || ':scheduler-purge'))`, [schema]);
      await other.release();
    }
    expect(await tableCounts()).toEqual(rowsBefore);

    // The sweep, as the loop runs it (batches of 7), then a second one that finds nothing more.
    const deleted = await loop.sweepOnce();
    expect(deleted.carts).toBeGreaterThan(200);
    expect(deleted.abandonments).toBeGreaterThan(200);
    expect(deleted.message_outcomes).toBeGreaterThan(150);
    expect(deleted.contacts).toBe(2);
    const purged = await metrics.purgedRows.get();
    expect(Object.fromEntries(purged.values.map((v) => [v.labels.table, v.value]))).toEqual(deleted);
    expect(await loop.sweepOnce()).toEqual({});

    const rowsAfter = await tableCounts();
    expect(rowsAfter.carts).toBe(rowsBefore.carts - deleted.carts);
    expect(rowsAfter.stats_daily).toBeGreaterThan(100);
    // Stats before purge = stats after purge, window by window.
    expect(await allStats()).toEqual(before);

    // Left: every cart changed within 90 days, and what is still needed however old.
    const oldest: Array<{ cart_id: string }> = await dataSource.query(
      `SELECT cart_id FROM carts WHERE updated_at < now() - interval '90 days' ORDER BY cart_id`,
    );
    expect(oldest.map((r) => r.cart_id)).toEqual(['keep-deferred', 'keep-timer']);
    const recent = await dataSource.query(
      `SELECT count(*)::int AS n FROM carts WHERE updated_at >= now() - interval '90 days'`,
    );
    expect(recent[0].n).toBeGreaterThanOrEqual(85);
    const deferred = await dataSource.query(`SELECT send_id FROM message_outcomes WHERE cart_id = 'keep-deferred'`);
    expect(deferred).toHaveLength(1);
    const contacts: Array<{ phone: string }> = await dataSource.query(`SELECT phone FROM contacts ORDER BY phone`);
    expect(contacts.map((c) => c.phone)).toEqual(['+34600000001', '+34600000002', '+34600000003']);
  }, 120_000);

  it('never writes back a cart the purge deleted after a pipeline read it: the pipeline reads again', async () => {
    const carts = new CartRepository(dataSource);
    await seedCart({
      store: 'store-c',
      cart: 'quiet',
      episodes: [{ status: 'expired', detectedAt: now - 200 * DAY, scheduled: false }],
      changedAt: now - 200 * DAY,
    });
    const [read] = (await carts.load([{ storeId: 'store-c', cartId: 'quiet' }])).values();
    expect(read.version).toBe(1);
    let cursor: SweepCursor | null = null;
    do cursor = (await purge.purgeCarts(cursor, 100, new Date(), policy)).next;
    while (cursor);
    expect(await carts.load([{ storeId: 'store-c', cartId: 'quiet' }])).toEqual(new Map());
    // The write decided from the cart as read: a conflict, not an insert of the old state.
    const conflicts = await carts.save([{ ...read, version: read.version + 1 }]);
    expect([...conflicts]).toEqual([cartKeyOf('store-c', 'quiet')]);
    expect(await carts.load([{ storeId: 'store-c', cartId: 'quiet' }])).toEqual(new Map());
    // Read again, it is a new cart (version 1), which is written.
    expect(await carts.save([{ ...read, version: 1 }])).toEqual(new Set());
    expect((await carts.load([{ storeId: 'store-c', cartId: 'quiet' }])).size).toBe(1);
  });

  it('runs as a loop in the service: swept soon after start, again each interval, stopped cleanly', async () => {
    const fast = readSchedulerConfig({
      KAFKA_BROKERS: 'unused:9092',
      DATABASE_URL: process.env.DATABASE_URL!,
      DATABASE_SCHEMA: schema,
      SCHEDULER_PURGE_INTERVAL_MS: '300',
    });
    const running = new PurgeLoop(purge, metrics, fast, createLogger('scheduler', { level: 'silent' }));
    const old = (cart: string) =>
      seedCart({
        store: 'store-d',
        cart,
        episodes: [{ status: 'expired', detectedAt: now - 200 * DAY, scheduled: false }],
        changedAt: now - 200 * DAY,
      });
    const left = async () =>
      Number((await dataSource.query(`SELECT count(*) AS n FROM carts WHERE store_id = 'store-d'`))[0].n);
    await old('first');
    running.onApplicationBootstrap();
    try {
      expect(await eventually(left, (n) => n === 0, 10_000)).toBe(0);
      await old('second'); // found by a later sweep
      expect(await left()).toBe(1);
      expect(await eventually(left, (n) => n === 0, 10_000)).toBe(0);
    } finally {
      await running.onModuleDestroy();
    }
  });

  it('deletes evidence no cart event carried for RETENTION_CLOSED_CART_DAYS, keeps the rest and the opt-out', async () => {
    const seed = (phone: string, state: string, lastSeenDaysAgo: number) =>
      dataSource.query(
        `INSERT INTO consent_records (store_id, phone, channel, state, source, consented_at, event_id, last_seen_at)
         VALUES ('store-consent', $1, 'sms', $2, 'shopify:customer.sms_marketing_consent', now() - interval '400 days', 'e', now() - $3 * interval '1 day')`,
        [phone, state, lastSeenDaysAgo],
      );
    await seed('+34600990001', 'granted', 91);
    await seed('+34600990002', 'withdrawn', 200);
    await seed('+34600990003', 'granted', 89);
    await dataSource.query(
      `INSERT INTO contacts (store_id, phone, opted_out_at) VALUES ('store-consent', '+34600990002', now() - interval '200 days')`,
    );
    const deleted = await loop.sweepOnce();
    expect(deleted.consent_records).toBe(2);
    expect(
      (await dataSource.query(`SELECT phone FROM consent_records WHERE store_id = 'store-consent'`)).map(
        (r: { phone: string }) => r.phone,
      ),
    ).toEqual(['+34600990003']);
    expect(
      await dataSource.query(
        `SELECT phone FROM contacts WHERE store_id = 'store-consent' AND opted_out_at IS NOT NULL`,
      ),
    ).toEqual([{ phone: '+34600990002' }]);
  });
});
