import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ARM_WINDOW_METRICS, VARIANT_METRICS } from '../stats/daily-stats';
import {
  groupConversions,
  armWindowConversions,
  attributedOrders,
  BILLABLE,
  CLOSED_COUNTS,
  OPEN_ABANDONMENT,
  OPEN_COUNTS,
  PRICING_CATEGORY,
  recoveredEpisodes,
  selectList,
  SKIPPED,
  SKIPPED_REASON,
  VARIANT_COUNTS,
} from '../stats/stats-sql';
import {
  cartVerdict,
  consentVerdict,
  contactVerdict,
  deletedStoreVerdict,
  type CartAtRest,
  type ContactAtRest,
  type RetentionPolicy,
  type StoreDeletionPolicy,
} from './retention-rule';

/**
 * Where a sweep is: the primary key of the last row it looked at. The deleted stores sweep's
 * is the store and whether it is done (`done`: resume after it; `more`: at it).
 */
export type SweepCursor = readonly [string, string];

export interface PurgeBatch {
  /** Another instance holds the purge lock: nothing was looked at. */
  busy: boolean;
  /** Rows deleted, by table. */
  deleted: Record<string, number>;
  /** Where the next batch starts; null once the sweep reached the end of the table. */
  next: SweepCursor | null;
}

// One purger at a time per schema: instances take turns, batch by batch.
const PURGE_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':scheduler-purge')) AS locked";

const CART_ROW = 'c.store_id, c.cart_id, c.timer_at, c.updated_at, c.last_activity_at, c.detected_at, c.closed_at';
/** A cart's state as cartVerdict reads it, with its episodes' outcomes summed up. */
const CART_AT_REST = `${CART_ROW},
  (SELECT max(o.updated_at) FROM abandonments a JOIN message_outcomes o ON o.send_id = a.send_id
   WHERE a.store_id = c.store_id AND a.cart_id = c.cart_id) AS outcome_at,
  (SELECT COALESCE(json_agg(a.not_after), '[]') FROM abandonments a JOIN message_outcomes o ON o.send_id = a.send_id
   WHERE a.store_id = c.store_id AND a.cart_id = c.cart_id AND o.deferred_at IS NOT NULL
     AND COALESCE(o.sent_at, o.delivered_at, o.read_at, o.failed_at, o.skipped_at, o.expired_at) IS NULL) AS unsettled`;

interface CartRow {
  store_id: string;
  cart_id: string;
  timer_at: Date | null;
  updated_at: Date;
  last_activity_at: Date | null;
  detected_at: Date | null;
  closed_at: Date | null;
  outcome_at: Date | null;
  unsettled: Array<string | null>;
}

function cartAtRest(row: CartRow): CartAtRest {
  const ms = (d: Date | null) => (d === null ? null : d.getTime());
  return {
    timerAt: ms(row.timer_at),
    lastChangeAt: Math.max(row.updated_at.getTime(), ms(row.outcome_at) ?? 0),
    lastActivityAt: ms(row.last_activity_at),
    detectedAt: ms(row.detected_at),
    closedAt: ms(row.closed_at),
    unsettledNotAfter: row.unsettled.map((t) => (t === null ? null : Date.parse(t))),
  };
}

interface ContactRow {
  store_id: string;
  phone: string;
  opted_out_at: Date | null;
  hold_until: Date | null;
  last_sent_at: Date | null;
}

function contactAtRest(row: ContactRow): ContactAtRest {
  const ms = (d: Date | null) => (d === null ? null : d.getTime());
  return { optedOutAt: ms(row.opted_out_at), holdUntil: ms(row.hold_until), lastSentAt: ms(row.last_sent_at) };
}

// The open episodes a purgeable cart can hold have no timer (cancelled, disabled): pending is 0.
const OPEN_ROLLED_UP = ['abandoned', 'scheduled', 'cancelled'] as const;
const values = (metrics: readonly string[]) => metrics.map((m) => `('${m}', "${m}")`).join(', ');

/**
 * The retention purge's SQL (docs/data-lifecycle.md). Each batch is one short transaction: it
 * looks at the next rows of a sweep by primary key (no index on a hot column), asks the
 * retention rule which may go, locks those (SKIP LOCKED: a row being written is left for the
 * next sweep), asks again on what it locked, and deletes them. Carts are first rolled up into
 * `stats_daily` in the same transaction, so a crash leaves either both or neither.
 */
@Injectable()
export class PurgeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One batch of the carts sweep: carts with their closed episodes and the outcomes of those. */
  purgeCarts(after: SweepCursor | null, limit: number, now: Date, policy: RetentionPolicy): Promise<PurgeBatch> {
    return this.dataSource.transaction(async (tx): Promise<PurgeBatch> => {
      if (!(await this.locked(tx))) return { busy: true, deleted: {}, next: after };
      // The row alone first: its episodes' outcomes can only keep a cart longer, so they are
      // read for the carts the row alone would let go.
      const scanned: CartRow[] = await tx.query(
        `SELECT ${CART_ROW}, NULL AS outcome_at, '[]'::json AS unsettled FROM carts c
         ${after ? 'WHERE (c.store_id, c.cart_id) > ($2, $3)' : ''}
         ORDER BY c.store_id, c.cart_id LIMIT $1`,
        after ? [limit, after[0], after[1]] : [limit],
      );
      const next = scanned.length < limit ? null : ([scanned.at(-1)!.store_id, scanned.at(-1)!.cart_id] as const);
      const mayGo = (r: CartRow) => cartVerdict(cartAtRest(r), now.getTime(), policy).purge;
      const candidates = scanned.filter(mayGo);
      if (candidates.length === 0) return { busy: false, deleted: {}, next };
      const lockedRows: CartRow[] = await tx.query(
        `SELECT ${CART_AT_REST} FROM carts c
         JOIN unnest($1::text[], $2::text[]) AS k(store_id, cart_id) USING (store_id, cart_id)
         ORDER BY c.store_id, c.cart_id
         FOR UPDATE OF c SKIP LOCKED`,
        [candidates.map((r) => r.store_id), candidates.map((r) => r.cart_id)],
      );
      const chosen = lockedRows.filter(mayGo);
      if (chosen.length === 0) return { busy: false, deleted: {}, next };
      const keys = [chosen.map((r) => r.store_id), chosen.map((r) => r.cart_id)];
      await this.rollUp(tx, keys);
      const count = async (sql: string) => Number((await tx.query(sql, keys))[0].n);
      const batch = 'unnest($1::text[], $2::text[]) AS b(store_id, cart_id)';
      const deleted = {
        message_outcomes: await count(
          `WITH d AS (DELETE FROM message_outcomes o USING abandonments a, ${batch}
             WHERE a.store_id = b.store_id AND a.cart_id = b.cart_id AND o.send_id = a.send_id RETURNING 1)
           SELECT count(*) AS n FROM d`,
        ),
        link_clicks: await count(
          `WITH d AS (DELETE FROM link_clicks l USING ${batch}
             WHERE l.store_id = b.store_id AND l.cart_id = b.cart_id RETURNING 1)
           SELECT count(*) AS n FROM d`,
        ),
        abandonments: await count(
          `WITH d AS (DELETE FROM abandonments a USING ${batch}
             WHERE a.store_id = b.store_id AND a.cart_id = b.cart_id RETURNING 1)
           SELECT count(*) AS n FROM d`,
        ),
        carts: await count(
          `WITH d AS (DELETE FROM carts c USING ${batch}
             WHERE c.store_id = b.store_id AND c.cart_id = b.cart_id RETURNING 1)
           SELECT count(*) AS n FROM d`,
        ),
      };
      return { busy: false, deleted, next };
    });
  }

  /** One batch of the contacts sweep: rows with neither an opt-out nor a hold that still counts. */
  purgeContacts(after: SweepCursor | null, limit: number, now: Date, policy: RetentionPolicy): Promise<PurgeBatch> {
    return this.dataSource.transaction(async (tx): Promise<PurgeBatch> => {
      if (!(await this.locked(tx))) return { busy: true, deleted: {}, next: after };
      const columns = 'c.store_id, c.phone, c.opted_out_at, c.hold_until, c.last_sent_at';
      const scanned: ContactRow[] = await tx.query(
        `SELECT ${columns} FROM contacts c
         ${after ? 'WHERE (c.store_id, c.phone) > ($2, $3)' : ''}
         ORDER BY c.store_id, c.phone LIMIT $1`,
        after ? [limit, after[0], after[1]] : [limit],
      );
      const next = scanned.length < limit ? null : ([scanned.at(-1)!.store_id, scanned.at(-1)!.phone] as const);
      const mayGo = (r: ContactRow) => contactVerdict(contactAtRest(r), now.getTime(), policy).purge;
      const candidates = scanned.filter(mayGo);
      if (candidates.length === 0) return { busy: false, deleted: {}, next };
      // Locked first: a claim deciding for this phone meanwhile waits, then finds no row and inserts one.
      const lockedRows: ContactRow[] = await tx.query(
        `SELECT ${columns} FROM contacts c
         JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)
         ORDER BY c.store_id, c.phone
         FOR UPDATE OF c SKIP LOCKED`,
        [candidates.map((r) => r.store_id), candidates.map((r) => r.phone)],
      );
      const chosen = lockedRows.filter(mayGo);
      if (chosen.length === 0) return { busy: false, deleted: {}, next };
      const [{ n }] = await tx.query(
        `WITH d AS (DELETE FROM contacts c USING unnest($1::text[], $2::text[]) AS b(store_id, phone)
           WHERE c.store_id = b.store_id AND c.phone = b.phone RETURNING 1)
         SELECT count(*) AS n FROM d`,
        [chosen.map((r) => r.store_id), chosen.map((r) => r.phone)],
      );
      return { busy: false, deleted: { contacts: Number(n) }, next };
    });
  }

  /** One batch of the consent records sweep: evidence no cart event carried for closedCartDays. */
  purgeConsents(after: SweepCursor | null, limit: number, now: Date, policy: RetentionPolicy): Promise<PurgeBatch> {
    return this.dataSource.transaction(async (tx): Promise<PurgeBatch> => {
      if (!(await this.locked(tx))) return { busy: true, deleted: {}, next: after };
      type Row = { store_id: string; phone: string; last_seen_at: Date };
      const scanned: Row[] = await tx.query(
        `SELECT c.store_id, c.phone, c.last_seen_at FROM consent_records c
         ${after ? 'WHERE (c.store_id, c.phone) > ($2, $3)' : ''}
         ORDER BY c.store_id, c.phone LIMIT $1`,
        after ? [limit, after[0], after[1]] : [limit],
      );
      const next = scanned.length < limit ? null : ([scanned.at(-1)!.store_id, scanned.at(-1)!.phone] as const);
      const chosen = scanned.filter(
        (r) => consentVerdict({ lastSeenAt: r.last_seen_at.getTime() }, now.getTime(), policy).purge,
      );
      if (chosen.length === 0) return { busy: false, deleted: {}, next };
      // Read again under the delete: a record a cart event carried meanwhile stays.
      const [{ n }] = await tx.query(
        `WITH d AS (DELETE FROM consent_records c USING unnest($1::text[], $2::text[]) AS b(store_id, phone)
           WHERE c.store_id = b.store_id AND c.phone = b.phone AND c.last_seen_at <= $3 RETURNING 1)
         SELECT count(*) AS n FROM d`,
        [
          chosen.map((r) => r.store_id),
          chosen.map((r) => r.phone),
          new Date(now.getTime() - policy.closedCartDays * 86_400_000).toISOString(),
        ],
      );
      return { busy: false, deleted: Number(n) > 0 ? { consent_records: Number(n) } : {}, next };
    });
  }

  /**
   * One batch of the deleted stores sweep: up to `limit` rows of the first store after the
   * cursor whose deletion is older than the grace (deletedStoreVerdict), whatever their own
   * state: carts with their episodes, outcomes and clicks first, then contacts (opt-outs too),
   * consent records and daily stats (not rolled up: the store's stats go too). The store's
   * row is locked, so a PUT of it meanwhile waits for the batch, and the next batch finds it
   * no longer deleted. Its row (no settings, the deletion time) stays: rows a late record
   * writes for the store are purged by the next sweep.
   */
  purgeDeletedStores(
    after: SweepCursor | null,
    limit: number,
    now: Date,
    policy: StoreDeletionPolicy,
  ): Promise<PurgeBatch> {
    return this.dataSource.transaction(async (tx): Promise<PurgeBatch> => {
      if (!(await this.locked(tx))) return { busy: true, deleted: {}, next: after };
      const from = after === null ? '' : after[1] === 'done' ? 'AND store_id > $2' : 'AND store_id >= $2';
      type Row = { store_id: string; deleted_at: Date | null };
      const mayGo = (r: Row) =>
        deletedStoreVerdict({ deletedAt: r.deleted_at?.getTime() ?? null }, now.getTime(), policy).purge;
      const scanned: Row[] = await tx.query(
        `SELECT store_id, deleted_at FROM store_settings WHERE deleted_at IS NOT NULL ${from}
         ORDER BY store_id LIMIT $1`,
        after === null ? [limit] : [limit, after[0]],
      );
      const candidate = scanned.find(mayGo);
      if (!candidate) {
        const last = scanned.at(-1);
        return { busy: false, deleted: {}, next: scanned.length < limit || !last ? null : [last.store_id, 'done'] };
      }
      const storeId = candidate.store_id;
      const [store]: Row[] = await tx.query(
        'SELECT store_id, deleted_at FROM store_settings WHERE store_id = $1 FOR UPDATE',
        [storeId],
      );
      if (!store || !mayGo(store)) return { busy: false, deleted: {}, next: [storeId, 'done'] };

      const deleted: Record<string, number> = {};
      const add = (table: string, n: number) => {
        if (n > 0) deleted[table] = (deleted[table] ?? 0) + n;
      };
      const carts: Array<{ cart_id: string; send_id: string | null }> = await tx.query(
        `SELECT cart_id, send_id FROM carts WHERE store_id = $1 ORDER BY cart_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [storeId, limit],
      );
      if (carts.length > 0) {
        const cartIds = carts.map((c) => c.cart_id);
        const current = carts.flatMap((c) => (c.send_id === null ? [] : [c.send_id]));
        const count = async (sql: string, params: unknown[]) => Number((await tx.query(sql, params))[0].n);
        add(
          'message_outcomes',
          await count(
            `WITH d AS (DELETE FROM message_outcomes o WHERE o.send_id = ANY($3::text[]) OR o.send_id IN (
               SELECT a.send_id FROM abandonments a WHERE a.store_id = $1 AND a.cart_id = ANY($2::text[]))
             RETURNING 1) SELECT count(*) AS n FROM d`,
            [storeId, cartIds, current],
          ),
        );
        for (const table of ['link_clicks', 'abandonments', 'carts'])
          add(
            table,
            await count(
              `WITH d AS (DELETE FROM ${table} WHERE store_id = $1 AND cart_id = ANY($2::text[]) RETURNING 1)
               SELECT count(*) AS n FROM d`,
              [storeId, cartIds],
            ),
          );
      }
      // Then the store's other rows, up to the batch's size (each by an index led by store_id).
      let budget = limit - carts.length;
      for (const table of ['abandonments', 'link_clicks', 'contacts', 'consent_records', 'stats_daily']) {
        if (budget <= 0) break;
        const [{ n }] = await tx.query(
          `WITH d AS (DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM ${table} WHERE store_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING 1)
           SELECT count(*) AS n FROM d`,
          [storeId, budget],
        );
        add(table, Number(n));
        budget -= Number(n);
      }
      // A full batch may have left rows; a short one reached the end of the store (or its locked rows).
      return { busy: false, deleted, next: [storeId, budget > 0 ? 'done' : 'more'] };
    });
  }

  private async locked(tx: EntityManager): Promise<boolean> {
    const [{ locked }] = await tx.query(PURGE_LOCK);
    return locked === true;
  }

  /**
   * Adds what these carts count for in the stats (stats-sql.ts, the same definitions the stats
   * API counts live rows with) to `stats_daily`, by store and UTC day of detection. Additive, in
   * the transaction that deletes them: never counted twice, never lost. An erasure rolls up
   * the carts it deletes with it too (erasure/erasure.repository.ts).
   */
  async rollUp(tx: EntityManager, keys: string[][]): Promise<void> {
    const day = (column: string) => `(${column} AT TIME ZONE 'UTC')::date`;
    const closedJoin = `FROM abandonments a JOIN batch b ON b.store_id = a.store_id AND b.cart_id = a.cart_id
      LEFT JOIN message_outcomes o ON o.send_id = a.send_id`;
    const closedMetrics = Object.keys(CLOSED_COUNTS);
    const variantValues = Object.keys(VARIANT_COUNTS)
      .map((k) => `('${VARIANT_METRICS[k as keyof typeof VARIANT_COUNTS]}', "${k}")`)
      .join(', ');
    await tx.query(
      `WITH batch AS (SELECT * FROM unnest($1::text[], $2::text[]) AS b(store_id, cart_id)),
       closed AS (
         SELECT a.store_id, ${day('a.detected_at')} AS day, ${selectList(CLOSED_COUNTS)}
         ${closedJoin} GROUP BY 1, 2
       ), open AS (
         SELECT c.store_id, ${day('c.detected_at')} AS day, ${selectList(OPEN_COUNTS)}
         FROM carts c JOIN batch b ON b.store_id = c.store_id AND b.cart_id = c.cart_id
         WHERE ${OPEN_ABANDONMENT} GROUP BY 1, 2
       ), skipped AS (
         SELECT a.store_id, ${day('a.detected_at')} AS day, COALESCE(${SKIPPED_REASON}, '') AS key, count(*) AS n
         ${closedJoin} WHERE ${SKIPPED} GROUP BY 1, 2, 3
       ), billable AS (
         SELECT a.store_id, ${day('a.detected_at')} AS day, ${PRICING_CATEGORY} AS key, count(*) AS n
         ${closedJoin} WHERE ${BILLABLE} GROUP BY 1, 2, 3
       ), variant_counts AS (
         SELECT a.store_id, ${day('a.detected_at')} AS day, a.variant, ${selectList(VARIANT_COUNTS)}
         ${closedJoin} WHERE a.variant IS NOT NULL GROUP BY 1, 2, 3
       ), variant_converted AS (
         SELECT r.store_id, ${day('r.detected_at')} AS day, r.variant || ':' || COALESCE(r.currency, '') AS key,
                count(*) AS n, sum(r.total) AS amount
         FROM (${groupConversions('variant', '(a.store_id, a.cart_id) IN (SELECT store_id, cart_id FROM batch)')}) r
         GROUP BY 1, 2, 3
       ), recovered AS (
         SELECT r.store_id, ${day('r.detected_at')} AS day, COALESCE(r.currency, '') AS key, count(*) AS n,
                sum(r.total) AS amount
         FROM (${recoveredEpisodes('(a.store_id, a.cart_id) IN (SELECT store_id, cart_id FROM batch)')}) r
         GROUP BY 1, 2, 3
       ), arms AS (
         SELECT a.store_id, ${day('a.detected_at')} AS day, a.arm AS key, count(*) AS n
         FROM abandonments a JOIN batch b ON b.store_id = a.store_id AND b.cart_id = a.cart_id
         WHERE a.arm IS NOT NULL GROUP BY 1, 2, 3
       ), arm_converted AS (
         SELECT r.store_id, ${day('r.detected_at')} AS day, r.arm AS key, count(*) AS n
         FROM (${groupConversions('arm', '(a.store_id, a.cart_id) IN (SELECT store_id, cart_id FROM batch)')}) r
         GROUP BY 1, 2, 3
       ), attributed AS (
         SELECT r.store_id, ${day('r.detected_at')} AS day, r.kind AS metric, COALESCE(r.currency, '') AS key,
                count(*) AS n, sum(r.total) AS amount
         FROM (${attributedOrders('(a.store_id, a.cart_id) IN (SELECT store_id, cart_id FROM batch)')}) r
         GROUP BY 1, 2, 3, 4
       ), arm_windows AS (
         SELECT r.store_id, ${day('r.detected_at')} AS day, m.metric, r.arm || ':' || COALESCE(r.currency, '') AS key,
                count(*) AS n, sum(r.total) AS amount
         FROM (${armWindowConversions('(a.store_id, a.cart_id) IN (SELECT store_id, cart_id FROM batch)')}) r
         CROSS JOIN LATERAL (VALUES ('${ARM_WINDOW_METRICS.click}', r.in_click),
                                    ('${ARM_WINDOW_METRICS.message}', r.in_message)) AS m(metric, inside)
         WHERE m.inside GROUP BY 1, 2, 3, 4
       ), contributions AS (
         SELECT store_id, day, m.metric, ''::text AS key, m.n, NULL::numeric AS amount
         FROM closed CROSS JOIN LATERAL (VALUES ${values(closedMetrics)}) AS m(metric, n)
         UNION ALL
         SELECT store_id, day, m.metric, '', m.n, NULL
         FROM open CROSS JOIN LATERAL (VALUES ${values(OPEN_ROLLED_UP)}) AS m(metric, n)
         UNION ALL SELECT store_id, day, 'skipped', key, n, NULL FROM skipped
         UNION ALL SELECT store_id, day, 'billable', key, n, NULL FROM billable
         UNION ALL
         SELECT store_id, day, m.metric, variant, m.n, NULL
         FROM variant_counts CROSS JOIN LATERAL (VALUES ${variantValues}) AS m(metric, n)
         UNION ALL SELECT store_id, day, '${VARIANT_METRICS.converted}', key, n, amount FROM variant_converted
         UNION ALL SELECT store_id, day, 'recovered', key, n, amount FROM recovered
         UNION ALL SELECT store_id, day, 'arm', key, n, NULL FROM arms
         UNION ALL SELECT store_id, day, 'arm-converted', key, n, NULL FROM arm_converted
         UNION ALL SELECT store_id, day, metric, key, n, amount FROM attributed
         UNION ALL SELECT store_id, day, metric, key, n, amount FROM arm_windows
       )
       INSERT INTO stats_daily AS s (store_id, day, metric, key, count, amount)
       SELECT store_id, day, metric, key, sum(n), sum(amount) FROM contributions WHERE n > 0 GROUP BY 1, 2, 3, 4
       ON CONFLICT (store_id, day, metric, key) DO UPDATE SET
         count = s.count + EXCLUDED.count,
         amount = CASE WHEN s.amount IS NULL THEN EXCLUDED.amount WHEN EXCLUDED.amount IS NULL THEN s.amount
                       ELSE s.amount + EXCLUDED.amount END`,
      keys,
    );
  }
}
