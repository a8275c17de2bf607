// The stats' attribution windows on the real PostgreSQL (the "medium" tier): the scheduler's
// migrations on a schema of its own, rows written as the pipelines leave them (carts, closed
// episodes, outcomes, store settings), then the stats route's controller and the retention
// purge. Every figure is checked against a computation done here from the same raw rows with
// the pure rules (attribution.ts, holdout-lift.ts), and again after the purge deleted the rows.
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import type { AttributionSettings } from '@lib/contracts';
import { createDataSource, runMigrations } from '@lib/database';
import { closeDatabases, database } from '../../test/harness';
import { uniquePrefix } from '../../../../test/support/kafka';
import { schedulerMigrations } from '../migrations';
import { PurgeRepository } from '../retention/purge.repository';
import { attributionKind, convertedWithin, type AttributionKind } from './attribution';
import { holdoutLiftOf } from './holdout-lift';
import { attributedOrders } from './stats-sql';
import { StatsController } from './stats.controller';
import { StatsRepository } from './stats.repository';

const H = 3_600_000;
// A UTC day of the past: detections fall inside it, so [DAY, DAY + 24 h) counts the same
// before and after the purge (stats_daily is by whole UTC days).
const DAY = Date.parse('2026-10-05T00:00:00Z');
const WINDOW = [new Date(DAY).toISOString(), new Date(DAY + 24 * H).toISOString()] as const;

let schema: string;
let dataSource: DataSource;
let statsApi: StatsController;
let purge: PurgeRepository;

beforeAll(async () => {
  schema = `sched_${uniquePrefix('attribution').replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
  dataSource = createDataSource({
    url: process.env.DATABASE_URL!,
    schema,
    entities: [],
    migrations: schedulerMigrations,
    poolSize: 4,
  });
  await runMigrations(dataSource);
  statsApi = new StatsController(new StatsRepository(dataSource));
  purge = new PurgeRepository(dataSource);
});

afterAll(async () => {
  if (dataSource?.isInitialized) await dataSource.destroy();
  const db = await database('public');
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.close();
  await closeDatabases();
});

/** One closed episode as the timers leave it, with the sender's outcome if any. */
interface Episode {
  episode: number;
  status: 'emitted' | 'held-out';
  arm: 'treated' | 'holdout' | null;
  detectedAt: number;
  closedAt: number;
  sentAt: number | null;
  deliveredAt: number | null;
  readAt: number | null;
}

interface Cart {
  cartId: string;
  episodes: Episode[];
  order: { at: number; total: string; currency: string } | null;
}

async function putStore(storeId: string, attribution?: AttributionSettings): Promise<void> {
  await dataSource.query(`INSERT INTO store_settings (store_id, settings) VALUES ($1, $2)`, [
    storeId,
    { storeId, ...(attribution ? { attribution } : {}) },
  ]);
}

async function insertCarts(storeId: string, carts: Cart[]): Promise<void> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  for (const cart of carts) {
    await dataSource.query(
      `INSERT INTO carts (store_id, cart_id, version, facts, episode, status, converted_at, order_total, order_currency)
       VALUES ($1, $2, 1, '{}', $3, 'idle', $4, $5, $6)`,
      [
        storeId,
        cart.cartId,
        cart.episodes.length + 1,
        iso(cart.order?.at ?? null),
        cart.order?.total,
        cart.order?.currency,
      ],
    );
    for (const e of cart.episodes) {
      const sendId = `${storeId}:${cart.cartId}:${e.episode}`;
      await dataSource.query(
        `INSERT INTO abandonments (store_id, cart_id, episode, status, detected_at, due_at, closed_at, send_id, arm,
           experiment_period)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9)`,
        [storeId, cart.cartId, e.episode, e.status, iso(e.detectedAt), iso(e.closedAt), sendId, e.arm, e.arm && ''],
      );
      if (e.sentAt !== null || e.deliveredAt !== null || e.readAt !== null) {
        await dataSource.query(
          `INSERT INTO message_outcomes (send_id, store_id, cart_id, sent_at, delivered_at, read_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [sendId, storeId, cart.cartId, iso(e.sentAt), iso(e.deliveredAt), iso(e.readAt)],
        );
      }
    }
  }
}

/** Sums per currency as the stats give them: decimal strings of cents. */
function revenueOf(orders: Array<{ total: string; currency: string }>): Record<string, string> {
  const cents: Record<string, number> = {};
  for (const o of orders) cents[o.currency] = (cents[o.currency] ?? 0) + Math.round(Number(o.total) * 100);
  return Object.fromEntries(
    Object.entries(cents).map(([c, n]) => [c, `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`]),
  );
}

async function purgeEverything(): Promise<void> {
  let cursor: Parameters<PurgeRepository['purgeCarts']>[0] = null;
  const later = new Date(Date.now() + 100 * 24 * H);
  do {
    cursor = (await purge.purgeCarts(cursor, 200, later, { closedCartDays: 90, contactHoldDays: 30 })).next;
  } while (cursor !== null);
  expect(await dataSource.query('SELECT 1 FROM abandonments')).toEqual([]);
}

const money = fc
  .integer({ min: 100, max: 30_000 })
  .map((c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`);

describe('attribution windows in the stats, on PostgreSQL', () => {
  const ATTRIBUTED = 'lola-attributed';
  const HOLDOUT = 'lola-holdout';
  const holdoutWindows = { clickWindowHours: 48, messageWindowHours: 6 };
  let attributedCarts: Cart[];
  let holdoutCarts: Cart[];

  beforeAll(async () => {
    // A store without a holdout and without attribution settings (the defaults, 120 h and 24 h):
    // 300 carts, some abandoned twice, each message sent, delivered, read or not at random
    // times, and orders from before the message to days after it.
    const hour = fc.integer({ min: 0, max: 16 * 60 }).map((m) => DAY + m * 60_000);
    const offset = (min: number, max: number) => fc.integer({ min: min * 60, max: max * 60 }).map((m) => m * 60_000);
    const episode = fc.record({
      closedIn: offset(0, 2),
      sentIn: fc.option(offset(0, 1), { nil: null }),
      deliveredIn: fc.option(offset(0, 1), { nil: null }),
      readIn: fc.option(offset(0, 30), { nil: null }),
    });
    const cartShape = fc.record({
      detectedAt: hour,
      episodes: fc.array(episode, { minLength: 1, maxLength: 2 }),
      order: fc.option(fc.record({ in: offset(-2, 80), total: money, currency: fc.constantFrom('EUR', 'USD') }), {
        nil: null,
      }),
    });
    const shapes = fc.sample(cartShape, { numRuns: 300, seed: 17 });
    attributedCarts = shapes.map((shape, i) => {
      let at = shape.detectedAt;
      const episodes = shape.episodes.map((e, n): Episode => {
        // A second episode starts 2 h after the first closed (the cart abandoned again), the same day.
        const detectedAt = n === 0 ? at : at + 2 * H;
        const closedAt = detectedAt + e.closedIn;
        at = closedAt;
        const sentAt = e.sentIn === null ? null : closedAt + e.sentIn;
        const deliveredAt = sentAt === null || e.deliveredIn === null ? null : sentAt + e.deliveredIn;
        const readAt = sentAt === null || e.readIn === null ? null : (deliveredAt ?? sentAt) + e.readIn;
        return { episode: n + 1, status: 'emitted', arm: null, detectedAt, closedAt, sentAt, deliveredAt, readAt };
      });
      const order = shape.order && {
        at: episodes[0].closedAt + shape.order.in,
        total: shape.order.total,
        currency: shape.order.currency,
      };
      return { cartId: `a-${i}`, episodes, order };
    });
    await putStore(ATTRIBUTED);
    await insertCarts(ATTRIBUTED, attributedCarts);

    // A store holding out about 30% with windows of its own (48 h after a click, 6 h after
    // delivery): 400 carts drawn at their send decision, orders from before it to 3 days after.
    const drawn = fc.record({
      detectedAt: hour,
      heldOut: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
      order: fc.option(fc.record({ in: offset(-1, 72), total: money, currency: fc.constantFrom('EUR', 'USD') }), {
        nil: null,
      }),
    });
    holdoutCarts = fc.sample(drawn, { numRuns: 400, seed: 1717 }).map((d, i) => {
      const closedAt = d.detectedAt + H;
      const sentAt = d.heldOut ? null : closedAt + 2_000;
      const e: Episode = {
        episode: 1,
        status: d.heldOut ? 'held-out' : 'emitted',
        arm: d.heldOut ? 'holdout' : 'treated',
        detectedAt: d.detectedAt,
        closedAt,
        sentAt,
        deliveredAt: sentAt && sentAt + 3_000,
        readAt: null,
      };
      return {
        cartId: `h-${i}`,
        episodes: [e],
        order: d.order && { at: closedAt + d.order.in, total: d.order.total, currency: d.order.currency },
      };
    });
    await putStore(HOLDOUT, holdoutWindows);
    await insertCarts(HOLDOUT, holdoutCarts);
  });

  /** The recovered carts and their kinds, computed here from the rows with the pure rule. */
  function expectedAttribution(carts: Cart[], windows: AttributionSettings) {
    const byKind: Record<AttributionKind, Array<{ total: string; currency: string }>> = {
      'recovered-after-click': [],
      'recovered-after-message': [],
      'not-attributed': [],
    };
    for (const cart of carts) {
      if (!cart.order) continue;
      const orderAt = cart.order.at;
      // The latest episode whose message went out before the order (orders after a message, any time).
      const episode = [...cart.episodes].reverse().find((e) => {
        const out = [e.sentAt, e.deliveredAt, e.readAt].filter((t): t is number => t !== null);
        return e.status === 'emitted' && out.length > 0 && orderAt > Math.min(...out);
      });
      if (!episode) continue;
      byKind[attributionKind({ ...episode, orderAt }, windows)].push(cart.order);
    }
    const kind = (k: AttributionKind) => ({ orders: byKind[k].length, revenue: revenueOf(byKind[k]) });
    return {
      clickWindowHours: windows.clickWindowHours,
      messageWindowHours: windows.messageWindowHours,
      recoveredAfterClick: kind('recovered-after-click'),
      recoveredAfterMessage: kind('recovered-after-message'),
      notAttributed: kind('not-attributed'),
    };
  }

  /** One window's arms, computed here from the rows: converted within `hours` of the decision. */
  function expectedArms(hours: number) {
    const arm = (name: 'treated' | 'holdout') => {
      const carts = holdoutCarts.filter((c) => c.episodes[0].arm === name);
      const converted = carts.filter((c) => convertedWithin(c.episodes[0].closedAt, c.order?.at ?? null, hours));
      return { carts: carts.length, converted: converted.length, revenue: revenueOf(converted.map((c) => c.order!)) };
    };
    return { treated: arm('treated'), heldOut: arm('holdout') };
  }

  it('splits the orders after a message into after click, after message and not attributed, as the rule does', async () => {
    const stats = await statsApi.storeStats(ATTRIBUTED, ...WINDOW);
    const expected = expectedAttribution(attributedCarts, { clickWindowHours: 120, messageWindowHours: 24 });
    expect(stats.attribution).toEqual(expected);
    // Every kind is present in the sample, and together they are the old figure, unchanged.
    expect(expected.recoveredAfterMessage.orders).toBeGreaterThan(20);
    expect(expected.notAttributed.orders).toBeGreaterThan(20);
    expect(stats.recovered).toBe(expected.recoveredAfterMessage.orders + expected.notAttributed.orders);
    // None of this store's messages was clicked: no order counts after a click.
    expect(expected.recoveredAfterClick.orders).toBe(0);
    expect(stats.holdout).toBeUndefined();
  });

  it('orders just inside and just outside the message window after delivery, and before it', async () => {
    const store = 'lola-edges';
    const closedAt = DAY + 10 * H;
    const delivered = closedAt + 60_000;
    const cart = (cartId: string, orderAt: number, opts: Partial<Episode> = {}): Cart => ({
      cartId,
      episodes: [
        {
          episode: 1,
          status: 'emitted',
          arm: null,
          detectedAt: closedAt - H,
          closedAt,
          sentAt: closedAt + 1_000,
          deliveredAt: delivered,
          readAt: null,
          ...opts,
        },
      ],
      order: { at: orderAt, total: '10.00', currency: 'EUR' },
    });
    await putStore(store, { clickWindowHours: 120, messageWindowHours: 2 });
    await insertCarts(store, [
      cart('at-delivery', delivered),
      cart('last-instant', delivered + 2 * H),
      cart('one-ms-late', delivered + 2 * H + 1),
      cart('before-delivery', delivered - 1),
      cart('never-delivered', closedAt + 10 * 60_000, { deliveredAt: null }),
      cart('read-only', delivered + H, { deliveredAt: null, readAt: delivered }),
      cart('before-message', closedAt - 1), // bought before the message went: not recovered at all
    ]);
    const stats = await statsApi.storeStats(store, ...WINDOW);
    expect(stats.recovered).toBe(6);
    expect(stats.attribution).toEqual({
      clickWindowHours: 120,
      messageWindowHours: 2,
      recoveredAfterClick: { orders: 0, revenue: {} },
      recoveredAfterMessage: { orders: 3, revenue: { EUR: '30.00' } },
      notAttributed: { orders: 3, revenue: { EUR: '30.00' } },
    });
  });

  it('the holdout within each window: the lift and what the messages added, as computed from the rows', async () => {
    const stats = await statsApi.storeStats(HOLDOUT, ...WINDOW);
    const windows = stats.holdout!.withinWindows!;
    for (const [name, hours] of [
      ['click', holdoutWindows.clickWindowHours],
      ['message', holdoutWindows.messageWindowHours],
    ] as const) {
      const { treated, heldOut } = expectedArms(hours);
      const got = windows[name];
      expect(got.hours).toBe(hours);
      expect(got.treated).toMatchObject({
        carts: treated.carts,
        converted: treated.converted,
        revenue: treated.revenue,
      });
      expect(got.heldOut).toMatchObject({
        carts: heldOut.carts,
        converted: heldOut.converted,
        revenue: heldOut.revenue,
      });
      expect(got.lift).toEqual(holdoutLiftOf(treated, heldOut).lift);
      const [p1, p2] = [treated.converted / treated.carts, heldOut.converted / heldOut.carts];
      expect(got.lift.absolute).toBeCloseTo(p1 - p2, 4);
      expect(got.incremental.orders).toBeCloseTo((p1 - p2) * treated.carts, 2);
      for (const currency of ['EUR', 'USD']) {
        const rt = Number(treated.revenue[currency] ?? 0);
        const rh = Number(heldOut.revenue[currency] ?? 0);
        expect(Number(got.incremental.revenue[currency])).toBeCloseTo(
          (rt / treated.carts - rh / heldOut.carts) * treated.carts,
          2,
        );
      }
      expect(got.tooSmall).toBe(
        treated.carts < 100 || heldOut.carts < 100 || heldOut.converted < 10 || treated.converted < 10,
      );
    }
    // The 6 h window holds fewer held-out conversions than the 48 h one, and both arms were drawn.
    expect(windows.message.heldOut.converted).toBeLessThan(windows.click.heldOut.converted);
    expect(windows.click.heldOut.carts).toBeGreaterThan(80);
    expect(windows.click.treated.carts + windows.click.heldOut.carts).toBe(400);
    // The old comparison (converted any time after detection) stays as it was.
    const anyTime = (arm: string) =>
      holdoutCarts.filter((c) => c.episodes[0].arm === arm && c.order && c.order.at > c.episodes[0].closedAt - H)
        .length;
    expect(stats.holdout).toMatchObject({
      treated: { converted: anyTime('treated') },
      heldOut: { converted: anyTime('holdout') },
    });
  });

  it("with clicks: the SQL's after-click branch decides as the rule does, over random clicks and windows", async () => {
    // The SQL reads the clicks from a table of this test's own (test_clicks) in place of
    // firstClickAt, so the branch is checked on clicks the test chooses, at any instant.
    await dataSource.query('CREATE TABLE test_clicks (send_id text PRIMARY KEY, first_clicked_at timestamptz)');
    const store = 'lola-clicks';
    const windows = { clickWindowHours: 30, messageWindowHours: 3 };
    await putStore(store, windows);
    const shape = fc.record({
      deliveredIn: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
      clickIn: fc.option(fc.integer({ min: 0, max: 40 * 60 }), { nil: null }),
      orderIn: fc.integer({ min: 1, max: 50 * 60 }),
    });
    const minute = 60_000;
    const carts = fc.sample(shape, { numRuns: 300, seed: 171717 }).map((c, i) => {
      const closedAt = DAY + H;
      const sentAt = closedAt + minute;
      return {
        cart: {
          cartId: `k-${i}`,
          episodes: [
            {
              episode: 1,
              status: 'emitted' as const,
              arm: null,
              detectedAt: DAY,
              closedAt,
              sentAt,
              deliveredAt: c.deliveredIn === null ? null : sentAt + c.deliveredIn * minute,
              readAt: null,
            },
          ],
          order: { at: sentAt + c.orderIn * minute, total: '1.00', currency: 'EUR' },
        },
        clickAt: c.clickIn === null ? null : sentAt + c.clickIn * minute,
      };
    });
    await insertCarts(
      store,
      carts.map((c) => c.cart),
    );
    for (const c of carts.filter((c) => c.clickAt !== null)) {
      await dataSource.query('INSERT INTO test_clicks VALUES ($1, $2)', [
        `${store}:${c.cart.cartId}:1`,
        new Date(c.clickAt!).toISOString(),
      ]);
    }
    const rows: Array<{ cart_id: string; kind: AttributionKind }> = await dataSource.query(
      `SELECT r.cart_id, r.kind FROM (${attributedOrders(
        'a.store_id = $1',
        (sendId) => `(SELECT k.first_clicked_at FROM test_clicks k WHERE k.send_id = ${sendId})`,
      )}) r`,
      [store],
    );
    const got = Object.fromEntries(rows.map((r) => [r.cart_id, r.kind]));
    const expected = Object.fromEntries(
      carts.map((c) => [
        c.cart.cartId,
        attributionKind({ ...c.cart.episodes[0], firstClickAt: c.clickAt, orderAt: c.cart.order.at }, windows),
      ]),
    );
    expect(got).toEqual(expected);
    const kinds = new Set(Object.values(expected));
    expect(kinds).toEqual(new Set(['recovered-after-click', 'recovered-after-message', 'not-attributed']));
    await dataSource.query('DROP TABLE test_clicks');
  });

  it('the same figures after the retention purge rolled every cart up into stats_daily', async () => {
    const stores = [ATTRIBUTED, HOLDOUT, 'lola-edges', 'lola-clicks'];
    const before = await Promise.all(stores.map((s) => statsApi.storeStats(s, ...WINDOW)));
    expect(before[1].holdout?.withinWindows).toBeDefined();
    await purgeEverything();
    const after = await Promise.all(stores.map((s) => statsApi.storeStats(s, ...WINDOW)));
    expect(after).toEqual(before);
  });
});
