import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EpisodeStatus, timerOf } from './abandonment';
import { orderOf, reachablePhone } from './cart-facts';
import type { CartState } from './cart-state';

/** A cart as read, with the version a write must find unchanged. */
export interface StoredCart {
  state: CartState;
  version: number;
}

/** The raw row of `carts` (snake_case, as node-postgres returns it). */
export interface CartRecord {
  store_id: string;
  cart_id: string;
  version: number;
  facts: CartState['facts'];
  episode: number;
  status: EpisodeStatus;
  reason: string | null;
  detected_at: Date | null;
  due_at: Date | null;
  not_after: Date | null;
  closed_at: Date | null;
  send_id: string | null;
}

const CART_COLUMNS =
  'store_id, cart_id, version, facts, episode, status, reason, detected_at, due_at, not_after, closed_at, send_id';

export function storedCartOf(row: CartRecord): StoredCart {
  const ms = (d: Date | null) => (d === null ? null : d.getTime());
  return {
    version: row.version,
    state: {
      storeId: row.store_id,
      cartId: row.cart_id,
      facts: row.facts,
      episode: {
        number: row.episode,
        status: row.status,
        reason: row.reason,
        detectedAt: ms(row.detected_at),
        dueAt: ms(row.due_at),
        notAfter: ms(row.not_after),
        closedAt: ms(row.closed_at),
        sendId: row.send_id,
      },
    },
  };
}

/** The columns a cart is written with: state, and what SQL needs to find it (timer, phone, order). */
export function cartColumnsOf({ state, version }: StoredCart) {
  const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
  const { episode, facts } = state;
  const timer = timerOf(episode);
  const order = orderOf(facts);
  return {
    store_id: state.storeId,
    cart_id: state.cartId,
    version,
    facts,
    phone: reachablePhone(facts),
    last_activity_at: iso(facts.activity?.at),
    converted_at: iso(order?.at),
    order_total: order?.total ?? null,
    order_currency: order?.currency ?? null,
    episode: episode.number,
    status: episode.status,
    reason: episode.reason,
    detected_at: iso(episode.detectedAt),
    due_at: iso(episode.dueAt),
    not_after: iso(episode.notAfter),
    closed_at: iso(episode.closedAt),
    send_id: episode.sendId,
    timer_at: iso(timer?.at),
    timer_kind: timer?.kind ?? null,
  };
}

export const cartKeyOf = (storeId: string, cartId: string) => `${storeId}\u0000${cartId}`;

/** Carts in PostgreSQL. Writes are optimistic: a row changed since it was read is not written. */
@Injectable()
export class CartRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * How many of these carts, just converted, had a message go out before their order: the
   * recovered carts of the stats API, counted when the conversion is merged.
   */
  async countRecovered(converted: Array<{ storeId: string; cartId: string; at: number }>): Promise<number> {
    if (converted.length === 0) return 0;
    const [row]: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n
       FROM jsonb_to_recordset($1::jsonb) AS r(store_id text, cart_id text, converted_at timestamptz)
       WHERE EXISTS (
         SELECT 1 FROM abandonments a JOIN message_outcomes o ON o.send_id = a.send_id
         WHERE a.store_id = r.store_id AND a.cart_id = r.cart_id AND a.status = 'emitted'
           AND LEAST(o.sent_at, o.delivered_at, o.read_at) < r.converted_at)`,
      [
        JSON.stringify(
          converted.map((c) => ({
            store_id: c.storeId,
            cart_id: c.cartId,
            converted_at: new Date(c.at).toISOString(),
          })),
        ),
      ],
    );
    return Number(row?.n ?? 0);
  }

  async load(keys: Array<{ storeId: string; cartId: string }>): Promise<Map<string, StoredCart>> {
    const rows: CartRecord[] = await this.dataSource.query(
      `SELECT ${CART_COLUMNS} FROM carts
       JOIN unnest($1::text[], $2::text[]) AS k(store_id, cart_id) USING (store_id, cart_id)`,
      [keys.map((k) => k.storeId), keys.map((k) => k.cartId)],
    );
    return new Map(rows.map((r) => [cartKeyOf(r.store_id, r.cart_id), storedCartOf(r)]));
  }

  /** Open carts of a store in the given statuses, in cart order, a page at a time. */
  async pageOfStore(storeId: string, statuses: readonly string[], afterCartId: string, limit: number) {
    const rows: CartRecord[] = await this.dataSource.query(
      `SELECT ${CART_COLUMNS} FROM carts
       WHERE store_id = $1 AND cart_id > $2 AND status = ANY($3::text[])
       ORDER BY cart_id LIMIT $4`,
      [storeId, afterCartId, statuses, limit],
    );
    return rows.map(storedCartOf);
  }

  async ofPhone(storeId: string, phone: string): Promise<StoredCart[]> {
    const rows: CartRecord[] = await this.dataSource.query(
      `SELECT ${CART_COLUMNS} FROM carts WHERE store_id = $1 AND phone = $2`,
      [storeId, phone],
    );
    return rows.map(storedCartOf);
  }

  /**
   * Writes carts whose `version` is one more than the version read (new carts: 1). Returns
   * the keys that were not written because another writer changed them first. A cart read at
   * version n is only updated, never inserted: one the retention purge deleted meanwhile is
   * not written back as it was read (the caller reads again and finds it gone).
   */
  async save(carts: StoredCart[], manager: EntityManager = this.dataSource.manager): Promise<Set<string>> {
    if (carts.length === 0) return new Set();
    const written: Array<{ store_id: string; cart_id: string }> = await manager.query(
      `WITH r AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(store_id text, cart_id text, version integer, facts jsonb,
           phone text, last_activity_at timestamptz, converted_at timestamptz, order_total numeric,
           order_currency text, episode integer, status text, reason text, detected_at timestamptz,
           due_at timestamptz, not_after timestamptz, closed_at timestamptz, send_id text, timer_at timestamptz,
           timer_kind text)
       ), updated AS (
         UPDATE carts AS c SET
           version = r.version, facts = r.facts, phone = r.phone, last_activity_at = r.last_activity_at,
           converted_at = r.converted_at, order_total = r.order_total, order_currency = r.order_currency,
           episode = r.episode, status = r.status, reason = r.reason, detected_at = r.detected_at,
           due_at = r.due_at, not_after = r.not_after, closed_at = r.closed_at, send_id = r.send_id,
           timer_at = r.timer_at, timer_kind = r.timer_kind, updated_at = now()
         FROM r
         WHERE r.version > 1 AND c.store_id = r.store_id AND c.cart_id = r.cart_id AND c.version = r.version - 1
         RETURNING c.store_id, c.cart_id
       ), inserted AS (
         INSERT INTO carts (store_id, cart_id, version, facts, phone, last_activity_at, converted_at, order_total,
           order_currency, episode, status, reason, detected_at, due_at, not_after, closed_at, send_id, timer_at,
           timer_kind, updated_at)
         SELECT r.store_id, r.cart_id, r.version, r.facts, r.phone, r.last_activity_at, r.converted_at,
           r.order_total, r.order_currency, r.episode, r.status, r.reason, r.detected_at, r.due_at, r.not_after,
           r.closed_at, r.send_id, r.timer_at, r.timer_kind, now()
         FROM r WHERE r.version = 1
         ON CONFLICT (store_id, cart_id) DO NOTHING
         RETURNING store_id, cart_id
       )
       SELECT store_id, cart_id FROM updated UNION ALL SELECT store_id, cart_id FROM inserted`,
      [JSON.stringify(carts.map(cartColumnsOf))],
    );
    const done = new Set(written.map((w) => cartKeyOf(w.store_id, w.cart_id)));
    return new Set(carts.map((c) => cartKeyOf(c.state.storeId, c.state.cartId)).filter((k) => !done.has(k)));
  }

  /**
   * Writes only the episode and timer of carts whose facts did not change (a fired timer):
   * cheaper than `save`, which sends and rewrites the facts. Same optimistic version rule.
   */
  async saveEpisodes(carts: StoredCart[], manager: EntityManager = this.dataSource.manager): Promise<Set<string>> {
    if (carts.length === 0) return new Set();
    const rows = carts.map(cartColumnsOf);
    const column = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
    const written: Array<{ store_id: string; cart_id: string }> = await manager.query(
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count] instead of rows.
      `WITH written AS (UPDATE carts AS c SET version = r.version, episode = r.episode, status = r.status, reason = r.reason,
         detected_at = r.detected_at, due_at = r.due_at, not_after = r.not_after, closed_at = r.closed_at,
         send_id = r.send_id, timer_at = r.timer_at, timer_kind = r.timer_kind, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::timestamptz[],
         $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::timestamptz[], $13::text[])
         AS r(store_id, cart_id, version, episode, status, reason, detected_at, due_at, not_after, closed_at, send_id,
           timer_at, timer_kind)
       WHERE c.store_id = r.store_id AND c.cart_id = r.cart_id AND c.version = r.version - 1
       RETURNING c.store_id, c.cart_id)
       SELECT store_id, cart_id FROM written`,
      [
        column('store_id'),
        column('cart_id'),
        column('version'),
        column('episode'),
        column('status'),
        column('reason'),
        column('detected_at'),
        column('due_at'),
        column('not_after'),
        column('closed_at'),
        column('send_id'),
        column('timer_at'),
        column('timer_kind'),
      ],
    );
    const done = new Set(written.map((w) => cartKeyOf(w.store_id, w.cart_id)));
    return new Set(carts.map((c) => cartKeyOf(c.state.storeId, c.state.cartId)).filter((k) => !done.has(k)));
  }
}
