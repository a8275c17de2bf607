import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StoreSettings } from '@lib/contracts';
import type { Pass, PollState } from './reconciliation-plan';

export interface PollableStore {
  storeId: string;
  settings: StoreSettings;
}

export interface ClaimedPoll {
  state: PollState;
  nextPollAt: string | null;
  pausedToken: string | null;
}

interface Row {
  since: Date | null;
  pass: Pass | null;
  next_poll_at: Date | null;
  paused_token: string | null;
}

/**
 * Where each store's reconciliation stands (`shopify_reconciliation`). One instance polls a
 * store at a time: it holds the row's lease, renewed by every save; a crashed holder's lease
 * runs out and another instance resumes the pass at its saved cursor.
 */
@Injectable()
export class ReconciliationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores whose settings carry a (sealed) Shopify Admin API token and whose poll is due and
   * held by no instance: one query a turn, however many stores are waiting.
   */
  async dueStores(): Promise<PollableStore[]> {
    const rows: Array<{ store_id: string; settings: StoreSettings }> = await this.dataSource.query(
      `SELECT s.store_id, s.settings
         FROM store_settings s LEFT JOIN shopify_reconciliation r ON r.store_id = s.store_id
        WHERE s.settings->'shopify' ? 'adminApiAccessTokenCiphertext'
          AND (r.next_poll_at IS NULL OR r.next_poll_at <= now())
          AND (r.lease_until IS NULL OR r.lease_until < now())
        ORDER BY r.next_poll_at NULLS FIRST, s.store_id`,
    );
    return rows.map((r) => ({ storeId: r.store_id, settings: r.settings }));
  }

  /** The store's poll when it is due and no other instance holds it; undefined otherwise. */
  async claim(storeId: string, owner: string, leaseMs: number): Promise<ClaimedPoll | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `INSERT INTO shopify_reconciliation AS r (store_id, lease_owner, lease_until)
            VALUES ($1, $2, now() + $3::int * interval '1 millisecond')
       ON CONFLICT (store_id) DO UPDATE
              SET lease_owner = $2, lease_until = now() + $3::int * interval '1 millisecond', updated_at = now()
            WHERE (r.lease_until IS NULL OR r.lease_until < now() OR r.lease_owner = $2)
              AND (r.next_poll_at IS NULL OR r.next_poll_at <= now())
       RETURNING since, pass, next_poll_at, paused_token`,
      [storeId, owner, leaseMs],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      state: { since: row.since ? row.since.toISOString() : null, pass: row.pass },
      nextPollAt: row.next_poll_at ? row.next_poll_at.toISOString() : null,
      pausedToken: row.paused_token,
    };
  }

  /** Saves the state and renews the lease; false when the lease was lost (another instance took over). */
  async save(storeId: string, owner: string, state: PollState, leaseMs: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE shopify_reconciliation
          SET since = $3, pass = $4, lease_until = now() + $5::int * interval '1 millisecond', updated_at = now()
        WHERE store_id = $1 AND lease_owner = $2
       RETURNING store_id`,
      [storeId, owner, state.since, state.pass === null ? null : JSON.stringify(state.pass), leaseMs],
    );
    return rows.length > 0;
  }

  /** Lets the store go until `nextPollAt` (null: at the next tick), pausing it on a refused token. */
  async release(
    storeId: string,
    owner: string,
    next: { nextPollAt: Date | null; pausedToken?: string | null; pausedReason?: string | null },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE shopify_reconciliation
          SET next_poll_at = $3, paused_token = $4, paused_reason = $5,
              lease_owner = NULL, lease_until = NULL, updated_at = now()
        WHERE store_id = $1 AND lease_owner = $2`,
      [storeId, owner, next.nextPollAt, next.pausedToken ?? null, next.pausedReason ?? null],
    );
  }

  /** The bookmark of every store still polled (its settings carry a token), for the lag gauge and the paused count. */
  async bookmarks(): Promise<Array<{ storeId: string; since: string | null; paused: boolean }>> {
    const rows: Array<{ store_id: string; since: Date | null; paused_token: string | null }> =
      await this.dataSource.query(
        `SELECT r.store_id, r.since, r.paused_token
           FROM shopify_reconciliation r JOIN store_settings s ON s.store_id = r.store_id
          WHERE s.settings->'shopify' ? 'adminApiAccessTokenCiphertext'`,
      );
    return rows.map((r) => ({
      storeId: r.store_id,
      since: r.since ? r.since.toISOString() : null,
      paused: r.paused_token !== null,
    }));
  }
}
