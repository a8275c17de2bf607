// The retention soak (issue 14 §5): days of the scheduler's traffic on a compressed clock in a
// schema of its own, the retention purge run after each simulated day as configured, and per day
// the tables' rows and sizes, the purge's time and CPU. The rows must level off once the
// retention window is reached, and the stats of the whole period must stay what was seeded.
// Then the hot-path cart write is timed alone and while a purge sweep runs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { CartEvent } from '@lib/contracts';
import { createDataSource, runMigrations } from '@lib/database';
import { planSend } from '../../apps/scheduler/src/business-hours';
import { CartRepository, type StoredCart } from '../../apps/scheduler/src/cart-events/cart.repository';
import { applyCartEvents, newCart } from '../../apps/scheduler/src/cart-events/cart-state';
import { readSchedulerConfig } from '../../apps/scheduler/src/config';
import { schedulerDatabase } from '../../apps/scheduler/src/database';
import {
  PurgeRepository,
  type PurgeBatch,
  type SweepCursor,
} from '../../apps/scheduler/src/retention/purge.repository';
import type { RetentionPolicy } from '../../apps/scheduler/src/retention/retention-rule';
import { StatsController } from '../../apps/scheduler/src/stats/stats.controller';
import { StatsRepository } from '../../apps/scheduler/src/stats/stats.repository';
import type { BenchContext, BenchFigure, BenchWorkload } from '../workload';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const STORES = 20;
const TABLES = ['carts', 'abandonments', 'message_outcomes', 'contacts', 'consent_records', 'stats_daily'] as const;
type Table = (typeof TABLES)[number];
/** The tables that must level off (stats_daily grows by a few rows per store and day, by design). */
const LEVELLED: readonly Table[] = ['carts', 'abandonments', 'message_outcomes', 'contacts', 'consent_records'];
const APPLICATION = 'bench-retention';

/**
 * What became of the carts of a day, per mille of each store's carts (by the cart's index in
 * the store's day): the pipelines' closed shapes, one open one, and carts that never counted.
 */
const SHAPES = [
  ['recovered-eur', 100], // went out, read, bought after in EUR
  ['recovered-usd', 50], // went out, delivered, bought after in USD
  ['delivered', 200], // went out, delivered, not bought
  ['sent-failed', 100], // went out, then failed (131026)
  ['failed-bought', 50], // failed before going out (131047), bought anyway: not recovered
  ['frequency-cap', 100], // skipped by the scheduler
  ['opted-out', 2], // skipped by the scheduler: the shopper opted out (a contact row kept forever)
  ['sender-disabled', 48], // emitted, skipped by the sender
  ['expired', 100], // no opening before notAfter
  ['deferred-expired', 50], // emitted, deferred by the sender, expired there
  ['cancelled', 50], // bought after detection, before the message (an open episode, no timer)
  ['idle', 148], // never abandoned (no detection): not in the stats
  ['timer', 2], // open, its send timer due the next morning (fired by the next day)
] as const;
type Shape = (typeof SHAPES)[number][0];
if (SHAPES.reduce((n, [, m]) => n + m, 0) !== 1000) throw new Error('SHAPES must add up to 1000 per mille');

const EMITTED: ReadonlySet<Shape> = new Set([
  'recovered-eur',
  'recovered-usd',
  'delivered',
  'sent-failed',
  'failed-bought',
  'sender-disabled',
  'deferred-expired',
]);
const WENT_OUT: ReadonlySet<Shape> = new Set(['recovered-eur', 'recovered-usd', 'delivered', 'sent-failed']);
const OPEN: ReadonlySet<Shape> = new Set(['cancelled', 'idle', 'timer']);

/** Spreads the shapes over a store's day however few carts it has (379 is prime to 1000). */
const SCATTER = 379;

/** The shape of the j-th cart of a store's day (the SQL below computes the same). */
function shapeOf(j: number): Shape {
  let k = (j * SCATTER) % 1000;
  for (const [name, perMille] of SHAPES) {
    if (k < perMille) return name;
    k -= perMille;
  }
  throw new Error('unreachable');
}

function shapeSql(k: string): string {
  let upTo = 0;
  const cases = SHAPES.map(([name, perMille]) => `WHEN ${k} < ${(upTo += perMille)} THEN '${name}'`);
  return `CASE ${cases.join(' ')} END`;
}

/** JSON with every object's keys sorted: equal values, equal text. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );

const eurCents = (j: number) => (10 + (j % 50)) * 100 + 50;
const usdCents = (j: number) => (20 + (j % 30)) * 100 + 25;

interface Expected {
  abandoned: number;
  scheduled: number;
  pending: number;
  cancelled: number;
  emitted: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  deferred: number;
  expired: number;
  skipped: Record<string, number>;
  recovered: number;
  revenueCents: Record<string, number>;
}

/**
 * What the stats of one store must say over days [0, days): each day's carts by shape, the
 * timers of every day but the last fired (emitted, sent, delivered), and the cart with a timer
 * far ahead seeded on day 0.
 */
function expectedStats(perStore: number, days: number): Expected {
  const e: Expected = {
    abandoned: 1,
    scheduled: 1,
    pending: 1,
    cancelled: 0,
    emitted: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
    deferred: 0,
    expired: 0,
    skipped: {},
    recovered: 0,
    revenueCents: {},
  };
  const skip = (reason: string, n: number) => (e.skipped[reason] = (e.skipped[reason] ?? 0) + n);
  const revenue = (currency: string, cents: number) =>
    (e.revenueCents[currency] = (e.revenueCents[currency] ?? 0) + cents);
  for (let j = 0; j < perStore; j++) {
    const shape = shapeOf(j);
    if (shape === 'idle') continue;
    e.abandoned += days;
    if (shape !== 'expired') e.scheduled += days;
    if (EMITTED.has(shape)) e.emitted += days;
    if (WENT_OUT.has(shape)) e.sent += days;
    switch (shape) {
      case 'recovered-eur':
        e.delivered += days;
        e.read += days;
        e.recovered += days;
        revenue('EUR', eurCents(j) * days);
        break;
      case 'recovered-usd':
        e.delivered += days;
        e.recovered += days;
        revenue('USD', usdCents(j) * days);
        break;
      case 'delivered':
        e.delivered += days;
        break;
      case 'sent-failed':
      case 'failed-bought':
        e.failed += days;
        break;
      case 'frequency-cap':
      case 'opted-out':
        skip(shape, days);
        break;
      case 'sender-disabled':
        skip('disabled', days);
        break;
      case 'expired':
      case 'deferred-expired':
        e.expired += days;
        break;
      case 'cancelled':
        e.cancelled += days;
        break;
      case 'timer': // fired on the next day: emitted, sent, delivered; the last day's still pending
        e.emitted += days - 1;
        e.sent += days - 1;
        e.delivered += days - 1;
        e.pending += 1;
        break;
    }
  }
  return e;
}

/** The seeded day's carts, one row each, with what every table's rows are made from. */
const SEED_DAY = `
  INSERT INTO seed_day (store_id, cart_id, j, shape, t, phone, send_id)
  SELECT g.store_id, g.cart_id, g.j, g.shape, g.t, g.phone,
         CASE WHEN g.shape IN (${[...EMITTED].map((s) => `'${s}'`).join(', ')})
              THEN g.store_id || ':' || g.cart_id || ':1' END
  FROM (
    SELECT 'store-' || lpad((i % ${STORES})::text, 2, '0') AS store_id,
           substr(md5(($1::int * $2::int + i)::text || ':cart'), 1, 20) AS cart_id,
           i / ${STORES} AS j,
           ${shapeSql(`((i / ${STORES}) * ${SCATTER}) % 1000`)} AS shape,
           $3::timestamptz + (i * (86400000.0 / $2::int)) * interval '1 millisecond' AS t,
           '+346' || lpad(($1::int * $2::int + i)::text, 8, '0') AS phone
    FROM generate_series(0, $2::int - 1) AS i
  ) g`;

const H = (hours: number) => `interval '${Math.round(hours * 60)} minutes'`;
const STAMP = `jsonb_build_object('at', (extract(epoch FROM s.t - ${H(0.5)}) * 1000)::bigint, 'id', 'e-' || s.cart_id)`;
const TOTAL = `CASE s.shape WHEN 'recovered-eur' THEN (10 + s.j % 50) || '.50' WHEN 'recovered-usd' THEN (20 + s.j % 30) || '.25'
  WHEN 'failed-bought' THEN '35.00' WHEN 'cancelled' THEN '99.00' END`;
const CURRENCY = `CASE s.shape WHEN 'recovered-usd' THEN 'USD' WHEN 'recovered-eur' THEN 'EUR' WHEN 'failed-bought' THEN 'EUR'
  WHEN 'cancelled' THEN 'EUR' END`;
const CLOSED_STATUS = `CASE WHEN s.shape IN ('frequency-cap', 'opted-out') THEN 'skipped'
  WHEN s.shape = 'expired' THEN 'expired' ELSE 'emitted' END`;
const CLOSED_REASON = `CASE WHEN s.shape IN ('frequency-cap', 'opted-out') THEN s.shape END`;
const CLOSED = `s.shape NOT IN (${[...OPEN].map((x) => `'${x}'`).join(', ')})`;

/** The rows the pipelines leave for the seeded day: a few set-based statements. */
const SEED_TABLES = [
  `INSERT INTO carts (store_id, cart_id, version, facts, phone, last_activity_at, converted_at, order_total,
     order_currency, episode, status, reason, detected_at, due_at, not_after, closed_at, send_id, timer_at,
     timer_kind, updated_at)
   SELECT s.store_id, s.cart_id, 1,
     jsonb_build_object('newest', jsonb_build_object('s', ${STAMP}, 'type', 'checkout.started'), 'activity', ${STAMP},
       'phone', jsonb_build_object('v', s.phone, 's', ${STAMP}), 'firstName', jsonb_build_object('v', 'Ana', 's', ${STAMP}),
       'optIn', jsonb_build_object('v', true, 's', ${STAMP}),
       'items', jsonb_build_object('v', jsonb_build_array(jsonb_build_object('sku', 'ZAP-42', 'title', 'Zapatillas Lola',
         'quantity', 1, 'unitPrice', '59.90')), 's', ${STAMP}),
       'currency', jsonb_build_object('v', 'EUR', 's', ${STAMP}), 'total', jsonb_build_object('v', '59.90', 's', ${STAMP}),
       'recoveryUrl', jsonb_build_object('v', 'https://bench.example/cart/' || s.cart_id, 's', ${STAMP}),
       'seen', jsonb_build_array(jsonb_build_array((extract(epoch FROM s.t) * 1000)::bigint, 'e-' || s.cart_id))),
     s.phone, s.t - ${H(0.5)},
     CASE s.shape WHEN 'recovered-eur' THEN s.t + ${H(3)} WHEN 'recovered-usd' THEN s.t + ${H(4)}
       WHEN 'failed-bought' THEN s.t + ${H(3)} WHEN 'cancelled' THEN s.t + ${H(0.5)} END,
     (${TOTAL})::numeric, ${CURRENCY}, 1,
     CASE s.shape WHEN 'cancelled' THEN 'cancelled' WHEN 'idle' THEN 'idle' WHEN 'timer' THEN 'scheduled' ELSE ${CLOSED_STATUS} END,
     CASE s.shape WHEN 'cancelled' THEN 'converted' WHEN 'idle' THEN 'no-items' ELSE ${CLOSED_REASON} END,
     CASE WHEN s.shape <> 'idle' THEN s.t END,
     CASE WHEN s.shape IN ('idle', 'expired') THEN NULL WHEN s.shape = 'timer' THEN date_trunc('day', s.t) + ${H(25)}
       ELSE s.t + ${H(1)} END,
     CASE WHEN s.shape <> 'idle' THEN s.t + ${H(72)} END,
     CASE WHEN ${CLOSED} THEN s.t + ${H(1)} END,
     s.send_id,
     CASE WHEN s.shape = 'timer' THEN date_trunc('day', s.t) + ${H(25)} END,
     CASE WHEN s.shape = 'timer' THEN 'send' END,
     CASE WHEN s.shape = 'timer' THEN s.t ELSE s.t + ${H(5)} END
   FROM seed_day s`,
  `INSERT INTO abandonments (store_id, cart_id, episode, status, reason, detected_at, due_at, not_after, closed_at, send_id)
   SELECT s.store_id, s.cart_id, 1, ${CLOSED_STATUS}, ${CLOSED_REASON}, s.t,
     CASE WHEN s.shape <> 'expired' THEN s.t + ${H(1)} END, s.t + ${H(72)}, s.t + ${H(1)}, s.send_id
   FROM seed_day s WHERE ${CLOSED}`,
  `INSERT INTO message_outcomes (send_id, store_id, cart_id, sent_at, delivered_at, read_at, failed_at, failed_reason,
     skipped_at, skipped_reason, expired_at, deferred_at, updated_at)
   SELECT s.send_id, s.store_id, s.cart_id,
     CASE WHEN s.shape IN (${[...WENT_OUT].map((x) => `'${x}'`).join(', ')}) THEN s.t + ${H(1.1)} END,
     CASE WHEN s.shape IN ('recovered-eur', 'recovered-usd', 'delivered') THEN s.t + ${H(1.2)} END,
     CASE WHEN s.shape = 'recovered-eur' THEN s.t + ${H(1.3)} END,
     CASE WHEN s.shape IN ('sent-failed', 'failed-bought') THEN s.t + ${H(1.2)} END,
     CASE s.shape WHEN 'sent-failed' THEN '131026' WHEN 'failed-bought' THEN '131047' END,
     CASE WHEN s.shape = 'sender-disabled' THEN s.t + ${H(1.1)} END,
     CASE WHEN s.shape = 'sender-disabled' THEN 'disabled' END,
     CASE WHEN s.shape = 'deferred-expired' THEN s.t + ${H(20)} END,
     CASE WHEN s.shape = 'deferred-expired' THEN s.t + ${H(1.1)} END,
     s.t + ${H(5)}
   FROM seed_day s WHERE s.send_id IS NOT NULL`,
  // A contact per message that went out (its 24 h hold), and the opt-outs.
  `INSERT INTO contacts (store_id, phone, opted_out_at, hold_send_id, hold_until, last_sent_at)
   SELECT s.store_id, s.phone, CASE WHEN s.shape = 'opted-out' THEN s.t - ${H(2)} END,
     CASE WHEN s.shape <> 'opted-out' THEN s.send_id END,
     CASE WHEN s.shape <> 'opted-out' THEN s.t + ${H(25.1)} END,
     CASE WHEN s.shape <> 'opted-out' THEN s.t + ${H(1.1)} END
   FROM seed_day s WHERE s.shape IN ('opted-out', ${[...WENT_OUT].map((x) => `'${x}'`).join(', ')})`,
  // Consent evidence carried by two carts in five.
  `INSERT INTO consent_records (store_id, phone, channel, state, source, consented_at, collected_from, opt_in_level,
     event_id, last_seen_at)
   SELECT s.store_id, s.phone, 'sms', 'granted', 'shopify:customer.sms_marketing_consent', s.t - interval '40 days',
     'OTHER', 'single_opt_in', 'e-' || s.cart_id, s.t - ${H(0.5)}
   FROM seed_day s WHERE s.j % 5 < 2`,
];

/** The previous day's timers fire on the seeded day: their messages go out and are delivered. */
const FIRE_TIMERS = `
  WITH fired AS (
    UPDATE carts c SET status = 'emitted', closed_at = c.timer_at, send_id = c.store_id || ':' || c.cart_id || ':1',
      timer_at = NULL, timer_kind = NULL, version = c.version + 1, updated_at = c.timer_at
    WHERE c.timer_at IS NOT NULL AND c.timer_at < $1
    RETURNING c.store_id, c.cart_id, c.phone, c.detected_at, c.due_at, c.not_after, c.closed_at, c.send_id
  ), episodes AS (
    INSERT INTO abandonments (store_id, cart_id, episode, status, detected_at, due_at, not_after, closed_at, send_id)
    SELECT store_id, cart_id, 1, 'emitted', detected_at, due_at, not_after, closed_at, send_id FROM fired
  ), outcomes AS (
    INSERT INTO message_outcomes (send_id, store_id, cart_id, sent_at, delivered_at, updated_at)
    SELECT send_id, store_id, cart_id, closed_at + ${H(0.1)}, closed_at + ${H(0.2)}, closed_at + ${H(0.2)} FROM fired
  )
  INSERT INTO contacts (store_id, phone, hold_send_id, hold_until, last_sent_at)
  SELECT store_id, phone, send_id, closed_at + ${H(24.1)}, closed_at + ${H(0.1)} FROM fired
  ON CONFLICT (store_id, phone) DO UPDATE SET hold_send_id = EXCLUDED.hold_send_id,
    hold_until = EXCLUDED.hold_until, last_sent_at = EXCLUDED.last_sent_at`;

/** CPU ticks of processes (utime + stime, and their reaped children's: the postmaster's backends). */
function ticksOf(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

function postgresPids(): number[] {
  try {
    return execFileSync('pgrep', ['postgres'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // PostgreSQL not on this machine (or pgrep missing): its CPU is not measured
  }
}

/** CPU ms spent by processes between two readings; processes new since the first count whole. */
function cpuMsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks * TICK_MS;
}

interface CpuReading {
  node: NodeJS.CpuUsage;
  ours: Map<number, number>;
  all: Map<number, number>;
  at: number;
}

interface Day {
  day: number;
  rows: Record<Table, number>;
  bytes: Record<Table, number>;
  deleted: Record<string, number>;
  batches: number;
  /** Dead tuples of carts (what autovacuum has not reclaimed yet) and its autovacuums so far. */
  cartsDead: number;
  cartsVacuums: number;
  purgeMs: number;
  nodeCpuMs: number;
  pgCpuMs: number;
  pgAllCpuMs: number;
}

async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const days = Number(process.env.RETENTION_BENCH_DAYS ?? (ctx.quick ? 35 : 60));
  const perDay = Number(process.env.RETENTION_BENCH_CARTS_PER_DAY ?? (ctx.quick ? 5_000 : 10_000));
  if (perDay % STORES !== 0) throw new Error(`RETENTION_BENCH_CARTS_PER_DAY must be a multiple of ${STORES}`);
  const schema = `bench_retention_${Date.now()}`;
  const config = readSchedulerConfig({
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: ctx.databaseUrl!,
    DATABASE_SCHEMA: schema,
    RETENTION_CLOSED_CART_DAYS: '30', // its minimum: a 60-day run reaches the window twice over
  });
  const policy: RetentionPolicy = {
    closedCartDays: config.RETENTION_CLOSED_CART_DAYS,
    contactHoldDays: config.RETENTION_CONTACT_HOLD_DAYS,
  };
  const batchSize = config.SCHEDULER_PURGE_BATCH_SIZE;
  if (days < policy.closedCartDays + 5) throw new Error(`at least ${policy.closedCartDays + 5} days, to level off`);
  const db = createDataSource({ ...schedulerDatabase(config), applicationName: APPLICATION });
  await runMigrations(db);
  const purge = new PurgeRepository(db);
  const stats = new StatsController(new StatsRepository(db));
  const start = Math.floor(Date.now() / DAY) * DAY - days * DAY; // the last day ends at today's UTC midnight
  const dayStart = (d: number) => new Date(start + d * DAY);
  ctx.log(
    `${days} days × ${perDay.toLocaleString('en-US')} carts over ${STORES} stores, schema ${schema}; ` +
      `RETENTION_CLOSED_CART_DAYS=${policy.closedCartDays}, RETENTION_CONTACT_HOLD_DAYS=${policy.contactHoldDays}, ` +
      `batches of ${batchSize}, no pause between batches`,
  );
  try {
    await db.query(`CREATE UNLOGGED TABLE seed_day (store_id text, cart_id text, j int, shape text, t timestamptz,
      phone text, send_id text)`);
    // Never fires within the run: a cart with a timer stays, however old.
    await db.query(
      `INSERT INTO carts (store_id, cart_id, version, facts, phone, episode, status, detected_at, due_at, timer_at,
         timer_kind, updated_at)
       SELECT 'store-' || lpad(s::text, 2, '0'), 'keep-timer', 1, '{}', '+34699999999', 1, 'scheduled', $1, $2, $2, 'send', $1
       FROM generate_series(0, ${STORES - 1}) AS s`,
      [new Date(start + HOUR), new Date(Date.now() + 365 * DAY)],
    );

    const seed = async (d: number) => {
      await db.query('TRUNCATE seed_day');
      await db.query(FIRE_TIMERS, [new Date(start + (d + 1) * DAY)]);
      await db.query(SEED_DAY, [d, perDay, dayStart(d)]);
      for (const sql of SEED_TABLES) await db.query(sql);
    };

    const readCpu = async (): Promise<CpuReading> => {
      const ours: Array<{ pid: number }> = await db.query(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
        [APPLICATION],
      );
      return {
        node: process.cpuUsage(),
        ours: ticksOf(ours.map((r) => r.pid)),
        all: ticksOf(postgresPids()),
        at: performance.now(),
      };
    };

    /** One sweep of the three tables as PurgeLoop.sweepOnce runs it, without the pause, at `now`. */
    const sweep = async (now: Date) => {
      const deleted: Record<string, number> = {};
      let batches = 0;
      const sweeps = [purge.purgeCarts, purge.purgeContacts, purge.purgeConsents];
      for (const one of sweeps.map((s) => s.bind(purge))) {
        let cursor: SweepCursor | null = null;
        do {
          const batch: PurgeBatch = await one(cursor, batchSize, now, policy);
          batches++;
          if (batch.busy) throw new Error('the purge lock is taken: another purger in this schema');
          for (const [table, n] of Object.entries(batch.deleted)) deleted[table] = (deleted[table] ?? 0) + n;
          cursor = batch.next;
        } while (cursor);
      }
      return { deleted, batches };
    };

    const measure = async () => {
      const rows = {} as Record<Table, number>;
      const bytes = {} as Record<Table, number>;
      for (const t of TABLES) {
        const [r] = await db.query(`SELECT count(*)::bigint AS n, pg_total_relation_size('${t}') AS b FROM ${t}`);
        rows[t] = Number(r.n);
        bytes[t] = Number(r.b);
      }
      return { rows, bytes };
    };

    const vacuumOf = async (table: Table) => {
      const [r] = await db.query(
        `SELECT n_dead_tup AS dead, autovacuum_count AS vacuums FROM pg_stat_user_tables
         WHERE schemaname = $1 AND relname = $2`,
        [schema, table],
      );
      return { cartsDead: Number(r?.dead ?? 0), cartsVacuums: Number(r?.vacuums ?? 0) };
    };

    /** The stats API over days [0, through], every store, against what was seeded. */
    const checkStats = async (through: number, when: string) => {
      const want = expectedStats(perDay / STORES, through + 1);
      for (let s = 0; s < STORES; s++) {
        const store = `store-${String(s).padStart(2, '0')}`;
        const got = await stats.storeStats(store, dayStart(0).toISOString(), dayStart(through + 1).toISOString());
        const cents = Object.fromEntries(
          Object.entries(got.recoveredRevenue).map(([c, v]) => [c, Math.round(Number(v) * 100)]),
        );
        const actual = {
          abandoned: got.abandoned,
          scheduled: got.scheduled,
          pending: got.pending,
          cancelled: got.cancelled,
          emitted: got.emitted,
          sent: got.sent,
          delivered: got.delivered,
          read: got.read,
          failed: got.failed,
          deferred: got.deferred,
          expired: got.expired,
          skipped: got.skipped.byReason,
          recovered: got.recovered,
          revenueCents: cents,
        };
        if (canonical(actual) !== canonical(want))
          throw new Error(
            `stats of ${store} over days 0–${through} ${when}: ${JSON.stringify(actual)}, seeded ${JSON.stringify(want)}`,
          );
        if (s === 0 && through === days - 1)
          ctx.log(`stats of ${store}, days 0–${through} ${when}: ${canonical(actual)}`);
      }
    };

    const series: Day[] = [];
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    const header = `| day | ${TABLES.join(' | ')} | MiB (${TABLES.map((t) => t.split('_')[0]).join('/')}) | carts dead (autovacuums) | purged carts | batches | purge s | node CPU s | pg CPU s | all pg CPU s |`;
    const line = (x: Day) =>
      `| ${x.day} | ${TABLES.map((t) => x.rows[t].toLocaleString('en-US')).join(' | ')} | ${TABLES.map((t) => mib(x.bytes[t])).join('/')} | ${x.cartsDead.toLocaleString('en-US')} (${x.cartsVacuums}) | ${(x.deleted.carts ?? 0).toLocaleString('en-US')} | ${x.batches} | ${(x.purgeMs / 1000).toFixed(2)} | ${(x.nodeCpuMs / 1000).toFixed(2)} | ${(x.pgCpuMs / 1000).toFixed(2)} | ${(x.pgAllCpuMs / 1000).toFixed(2)} |`;
    const ruler = `|${'---|'.repeat(TABLES.length + 9)}`;
    let checks = 0;
    for (let d = 0; d < days; d++) {
      await seed(d);
      const checkpoint = d % 5 === 4 || d === days - 1;
      if (checkpoint) await checkStats(d, `before day ${d}'s purge`);
      const before = await readCpu();
      const { deleted, batches } = await sweep(dayStart(d + 1));
      const after = await readCpu();
      const node = process.cpuUsage(before.node);
      if (checkpoint) {
        await checkStats(d, `after day ${d}'s purge`);
        checks += 2;
      }
      series.push({
        day: d,
        ...(await measure()),
        deleted,
        batches,
        ...(await vacuumOf('carts')),
        purgeMs: after.at - before.at,
        nodeCpuMs: (node.user + node.system) / 1000,
        pgCpuMs: cpuMsBetween(before.ours, after.ours),
        pgAllCpuMs: cpuMsBetween(before.all, after.all),
      });
      if (d % 5 === 4) ctx.log('\n' + [header, ruler, ...series.slice(-5).map(line)].join('\n'));
    }
    ctx.log(`per day:\n${[header, ruler, ...series.map(line)].join('\n')}`);

    // Levelled off: the last days, once the window is reached, vary by less than 5%.
    const settled = series.slice(-Math.min(10, days - (policy.closedCartDays + 2)));
    for (const t of LEVELLED) {
      const counts = settled.map((x) => x.rows[t]);
      const spread = (Math.max(...counts) - Math.min(...counts)) / Math.max(...counts);
      if (spread >= 0.05)
        throw new Error(
          `${t} did not level off: ${counts.join(', ')} over days ${settled[0].day}–${settled.at(-1)!.day}`,
        );
    }
    const keepTimers = await db.query(`SELECT count(*)::int AS n FROM carts WHERE cart_id = 'keep-timer'`);
    if (keepTimers[0].n !== STORES) throw new Error(`carts with a timer were purged: ${keepTimers[0].n} left`);

    // The hot path's cart write alone, then while a sweep purges a day's worth (the next day).
    const hot = new CartRepository(db);
    let hotCarts = 0;
    const writeBatch = async () => {
      const at = Date.now();
      const batch: StoredCart[] = [];
      for (let i = 0; i < 500; i++) {
        const cartId = `hot-${hotCarts++}`;
        const event: CartEvent = {
          schemaVersion: 1,
          eventId: `e-${cartId}`,
          type: 'checkout.started',
          occurredAt: new Date(at).toISOString(),
          storeId: 'store-hot',
          cartId,
          customer: { phone: `+3461${String(hotCarts).padStart(7, '0')}`, firstName: 'Ana', whatsappOptIn: true },
          items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
          currency: 'EUR',
          total: '59.90',
          recoveryUrl: `https://bench.example/cart/${cartId}`,
        };
        const { state } = applyCartEvents(newCart('store-hot', cartId), [event], {
          settings: HOT_SETTINGS,
          optedOut: false,
          planSend,
        });
        batch.push({ state, version: 1 });
      }
      const conflicts = await hot.save(batch);
      if (conflicts.size) throw new Error(`${conflicts.size} hot-path carts not written`);
    };
    const writeWhile = async (going: () => boolean) => {
      const from = hotCarts;
      const at = performance.now();
      while (going()) await writeBatch();
      return ((hotCarts - from) / (performance.now() - at)) * 1000;
    };
    const baselineMs = ctx.quick ? 5_000 : 15_000;
    const baseEnd = performance.now() + baselineMs;
    const baseline = await writeWhile(() => performance.now() < baseEnd);
    await seed(days);
    let sweeping = true;
    const sweepAt = performance.now();
    const [during, concurrentSweep] = await Promise.all([
      writeWhile(() => sweeping),
      sweep(dayStart(days + 1)).finally(() => (sweeping = false)),
    ]);
    const concurrentMs = performance.now() - sweepAt;
    ctx.log(
      `hot path: ${Math.round(baseline)} carts/s alone (${baselineMs / 1000} s), ${Math.round(during)} carts/s ` +
        `during a sweep of ${concurrentMs.toFixed(0)} ms that purged ${concurrentSweep.deleted.carts ?? 0} carts`,
    );

    const last = series.at(-1)!;
    const max = (t: Table) => series.reduce((m, x) => (x.rows[t] > m.rows[t] ? x : m), series[0]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const steady = series.filter((x) => x.day > policy.closedCartDays);
    const sizes = `${days} days × ${perDay.toLocaleString('en-US')} carts, ${STORES} stores`;
    const tableFigures: BenchFigure[] = TABLES.map((t) => ({
      name: `${t} rows at the end`,
      value: last.rows[t],
      unit: 'rows',
      note: `max ${max(t).rows[t].toLocaleString('en-US')} on day ${max(t).day}; ${mib(last.bytes[t])} MiB at the end, max ${mib(Math.max(...series.map((x) => x.bytes[t])))} MiB`,
    }));
    const steadyNote = `days ${steady[0].day}–${last.day}, each purging a day of data; ${sizes}; batches of ${batchSize}, no pause`;
    return [
      ...tableFigures,
      {
        name: 'purge seconds per day of data (mean)',
        value: mean(steady.map((x) => x.purgeMs)) / 1000,
        unit: 's',
        note: steadyNote,
      },
      {
        name: 'purge seconds per day of data (max)',
        value: Math.max(...steady.map((x) => x.purgeMs)) / 1000,
        unit: 's',
        note: steadyNote,
      },
      {
        name: 'purge CPU per day of data: this process',
        value: mean(steady.map((x) => x.nodeCpuMs)) / 1000,
        unit: 's',
        note: steadyNote,
      },
      {
        name: 'purge CPU per day of data: PostgreSQL (its backends)',
        value: mean(steady.map((x) => x.pgCpuMs)) / 1000,
        unit: 's',
        note: 'the backends of this run’s connections',
      },
      {
        name: 'purge CPU per day of data: every postgres process',
        value: mean(steady.map((x) => x.pgAllCpuMs)) / 1000,
        unit: 's',
        note: 'pgrep postgres: with autovacuum and whatever else uses the server meanwhile',
      },
      {
        name: 'hot-path cart writes alone',
        value: baseline,
        unit: 'carts/s',
        note: `CartRepository.save, batches of 500, ${baselineMs / 1000} s`,
      },
      {
        name: 'hot-path cart writes during a purge sweep',
        value: during,
        unit: 'carts/s',
        note: `${(concurrentMs / 1000).toFixed(1)} s sweep purging ${(concurrentSweep.deleted.carts ?? 0).toLocaleString('en-US')} carts`,
      },
      { name: 'hot-path writes during purge ÷ alone', value: during / baseline, unit: '×' },
      { name: 'stats checks equal to the seeded counts', value: checks, unit: 'checks', note: `${STORES} stores each` },
    ];
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.destroy();
  }
}

const OPEN_ALL_DAY = [['00:00', '24:00']] as Array<[string, string]>;
const HOT_SETTINGS = {
  enabled: true,
  timezone: 'Europe/Madrid',
  openingHours: {
    mon: OPEN_ALL_DAY,
    tue: OPEN_ALL_DAY,
    wed: OPEN_ALL_DAY,
    thu: OPEN_ALL_DAY,
    fri: OPEN_ALL_DAY,
    sat: OPEN_ALL_DAY,
    sun: OPEN_ALL_DAY,
  },
  abandonAfterMinutes: 30,
  sendDelayMinutes: 0,
  maxDeferralHours: 72,
  minHoursBetweenMessages: 24,
  closedDates: [] as string[],
};

export const workload: BenchWorkload = {
  name: 'retention',
  description:
    'retention soak: days of carts on a compressed clock, the purge after each day; rows level off, stats stay right',
  needsStack: true,
  run,
};
