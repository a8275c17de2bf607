import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { MessageState } from '../messages/message-lifecycle';
import {
  cartClosureVerdict,
  contactSlotVerdict,
  deletedStoreVerdict,
  messageVerdict,
  type RetentionPolicy,
  type StoreDeletionPolicy,
} from './retention-rule';

/**
 * Where a sweep is: the primary key of the last row it looked at. The deleted stores sweep's
 * is the store and whether it is done (`done`: resume after it; `more`: at it).
 */
export type SweepCursor = readonly string[];

export interface PurgeBatch {
  /** Another instance holds the purge lock: nothing was looked at. */
  busy: boolean;
  /** Rows deleted, by table. */
  deleted: Record<string, number>;
  /** Messages whose body was blanked. */
  blanked: number;
  /** Where the next batch starts; null once the sweep reached the end of the table. */
  next: SweepCursor | null;
}

// One purger at a time per schema: instances take turns, batch by batch.
const PURGE_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':sender-purge')) AS locked";

type Action = 'delete' | 'blank-body' | 'keep';

/** A table the purge sweeps: its primary key (text columns), what it reads, what the rule says. */
interface Swept<Row> {
  table: string;
  key: readonly string[];
  columns: string;
  decide(row: Row, now: number, policy: RetentionPolicy): Action;
}

interface MessageRow {
  send_id: string;
  state: MessageState;
  updated_at: Date;
  has_body: boolean;
}

const MESSAGES: Swept<MessageRow> = {
  table: 'messages',
  key: ['send_id'],
  columns:
    't.send_id, t.state, t.updated_at, (t.rendered_text IS NOT NULL OR t.template IS NOT NULL OR t.send_due IS NOT NULL) AS has_body',
  decide: (r, now, policy) =>
    messageVerdict({ state: r.state, updatedAt: r.updated_at.getTime(), hasBody: r.has_body }, now, policy).action,
};

const CART_CLOSURES: Swept<{ occurred_at: Date }> = {
  table: 'cart_closures',
  key: ['store_id', 'cart_id'],
  columns: 't.store_id, t.cart_id, t.occurred_at',
  decide: (r, now, policy) =>
    cartClosureVerdict({ occurredAt: r.occurred_at.getTime() }, now, policy).purge ? 'delete' : 'keep',
};

const CONTACTS: Swept<{ hold_until: Date; last_sent_at: Date }> = {
  table: 'contacts',
  key: ['store_id', 'phone'],
  columns: 't.store_id, t.phone, t.hold_until, t.last_sent_at',
  decide: (r, now, policy) =>
    contactSlotVerdict({ holdUntil: r.hold_until.getTime(), lastSentAt: r.last_sent_at.getTime() }, now, policy).purge
      ? 'delete'
      : 'keep',
};

/** Every table holding rows of a store, in the order a deleted store's rows go (each led by store_id). */
const STORE_TABLES = [
  'messages',
  'cart_closures',
  'contacts',
  'opt_outs',
  'suppressions',
  'shopper_identities',
  'pending_opt_outs',
  'marketing_limits',
] as const;

/**
 * The sender's retention purge SQL (docs/data-lifecycle.md). Each batch is one short
 * transaction: it looks at the next rows of a sweep by primary key (no index on a column the
 * pipelines write at every change), asks the retention rule which may go, locks those (SKIP
 * LOCKED: a row being written is left for the next sweep), asks again on what it locked, and
 * deletes them, or blanks a message's body. Opt-outs, store settings and number paces are
 * never swept, except every row of a store deleted longer ago than the grace.
 */
@Injectable()
export class PurgeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One batch of the messages sweep: settled rows deleted, old bodies blanked. */
  purgeMessages(after: SweepCursor | null, limit: number, now: Date, policy: RetentionPolicy): Promise<PurgeBatch> {
    return this.batch(MESSAGES, after, limit, now, policy);
  }

  /** One batch of the cart closures sweep. */
  purgeCartClosures(after: SweepCursor | null, limit: number, now: Date, policy: RetentionPolicy): Promise<PurgeBatch> {
    return this.batch(CART_CLOSURES, after, limit, now, policy);
  }

  /** One batch of the frequency slots sweep. */
  purgeContacts(after: SweepCursor | null, limit: number, now: Date, policy: RetentionPolicy): Promise<PurgeBatch> {
    return this.batch(CONTACTS, after, limit, now, policy);
  }

  /**
   * One batch of the deleted stores sweep: up to `limit` rows of the first store after the
   * cursor whose deletion is older than the grace (deletedStoreVerdict), whatever their own
   * state, table by table (STORE_TABLES). The store's `deleted_stores` row is locked, so a PUT
   * of it meanwhile waits for the batch, and the next batch finds it no longer deleted. That
   * row stays: rows a late record writes for the store are purged by the next sweep.
   */
  purgeDeletedStores(
    after: SweepCursor | null,
    limit: number,
    now: Date,
    policy: StoreDeletionPolicy,
  ): Promise<PurgeBatch> {
    return this.dataSource.transaction(async (tx): Promise<PurgeBatch> => {
      if (!(await this.locked(tx))) return { busy: true, deleted: {}, blanked: 0, next: after };
      const from = after === null ? '' : after[1] === 'done' ? 'WHERE store_id > $2' : 'WHERE store_id >= $2';
      type Row = { store_id: string; deleted_at: Date };
      const mayGo = (r: Row) => deletedStoreVerdict({ deletedAt: r.deleted_at.getTime() }, now.getTime(), policy).purge;
      const scanned: Row[] = await tx.query(
        `SELECT store_id, deleted_at FROM deleted_stores ${from} ORDER BY store_id LIMIT $1`,
        after === null ? [limit] : [limit, after[0]],
      );
      const candidate = scanned.find(mayGo);
      if (!candidate) {
        const last = scanned.at(-1);
        const next = scanned.length < limit || !last ? null : [last.store_id, 'done'];
        return { busy: false, deleted: {}, blanked: 0, next };
      }
      const storeId = candidate.store_id;
      const [store]: Row[] = await tx.query(
        'SELECT store_id, deleted_at FROM deleted_stores WHERE store_id = $1 FOR UPDATE',
        [storeId],
      );
      if (!store || !mayGo(store)) return { busy: false, deleted: {}, blanked: 0, next: [storeId, 'done'] };
      const deleted: Record<string, number> = {};
      let budget = limit;
      for (const table of STORE_TABLES) {
        if (budget <= 0) break;
        const [{ n }] = await tx.query(
          `WITH d AS (DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM ${table} WHERE store_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING 1)
           SELECT count(*) AS n FROM d`,
          [storeId, budget],
        );
        if (Number(n) > 0) deleted[table] = Number(n);
        budget -= Number(n);
      }
      // A full batch may have left rows; a short one reached the end of the store (or its locked rows).
      return { busy: false, deleted, blanked: 0, next: [storeId, budget > 0 ? 'done' : 'more'] };
    });
  }

  private batch<Row>(
    swept: Swept<Row>,
    after: SweepCursor | null,
    limit: number,
    now: Date,
    policy: RetentionPolicy,
  ): Promise<PurgeBatch> {
    const { table, key } = swept;
    const keyList = key.map((k) => `t.${k}`).join(', ');
    const keysOf = (rows: Array<Record<string, string>>) => key.map((k) => rows.map((r) => r[k]));
    const batchKeys = `unnest(${key.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS b(${key.join(', ')})`;
    const sameKey = key.map((k) => `t.${k} = b.${k}`).join(' AND ');
    return this.dataSource.transaction(async (tx): Promise<PurgeBatch> => {
      if (!(await this.locked(tx))) return { busy: true, deleted: {}, blanked: 0, next: after };
      const scanned: Array<Row & Record<string, string>> = await tx.query(
        `SELECT ${swept.columns} FROM ${table} t
         ${after ? `WHERE (${keyList}) > (${key.map((_, i) => `$${i + 2}`).join(', ')})` : ''}
         ORDER BY ${keyList} LIMIT $1`,
        after ? [limit, ...after] : [limit],
      );
      const last = scanned.at(-1);
      const next = scanned.length < limit || !last ? null : key.map((k) => last[k]);
      const decide = (r: Row) => swept.decide(r, now.getTime(), policy);
      const candidates = scanned.filter((r) => decide(r) !== 'keep');
      if (candidates.length === 0) return { busy: false, deleted: {}, blanked: 0, next };
      const lockedRows: Array<Row & Record<string, string>> = await tx.query(
        `SELECT ${swept.columns} FROM ${table} t JOIN ${batchKeys} USING (${key.join(', ')})
         ORDER BY ${keyList} FOR UPDATE OF t SKIP LOCKED`,
        keysOf(candidates),
      );
      const toDelete = lockedRows.filter((r) => decide(r) === 'delete');
      const toBlank = lockedRows.filter((r) => decide(r) === 'blank-body');
      let deleted = 0;
      if (toDelete.length > 0) {
        const [{ n }] = await tx.query(
          `WITH d AS (DELETE FROM ${table} t USING ${batchKeys} WHERE ${sameKey} RETURNING 1)
           SELECT count(*) AS n FROM d`,
          keysOf(toDelete),
        );
        deleted = Number(n);
      }
      let blanked = 0;
      if (toBlank.length > 0) {
        // Only messages have a body. Its last change stays what it was: blanking changes no message.
        const [{ n }] = await tx.query(
          `WITH u AS (UPDATE messages t SET rendered_text = NULL, template = NULL, send_due = NULL
             FROM ${batchKeys} WHERE ${sameKey} AND t.state NOT IN ('sending', 'deferred') RETURNING 1)
           SELECT count(*) AS n FROM u`,
          keysOf(toBlank),
        );
        blanked = Number(n);
      }
      return { busy: false, deleted: deleted > 0 ? { [table]: deleted } : {}, blanked, next };
    });
  }

  private async locked(tx: EntityManager): Promise<boolean> {
    const [{ locked }] = await tx.query(PURGE_LOCK);
    return locked === true;
  }
}
