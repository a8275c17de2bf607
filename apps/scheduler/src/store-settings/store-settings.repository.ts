import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StoreSettings } from '@lib/contracts';

/** The latest valid settings per store, as the scheduler consumed them. */
@Injectable()
export class StoreSettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async ofStores(storeIds: string[]): Promise<Map<string, StoreSettings>> {
    if (storeIds.length === 0) return new Map();
    const rows: Array<{ store_id: string; settings: StoreSettings }> = await this.dataSource.query(
      'SELECT store_id, settings FROM store_settings WHERE store_id = ANY($1::text[]) AND settings IS NOT NULL',
      [storeIds],
    );
    return new Map(rows.map((r) => [r.store_id, r.settings]));
  }

  async of(storeId: string): Promise<StoreSettings | undefined> {
    return (await this.ofStores([storeId])).get(storeId);
  }

  /**
   * Stores the settings (null: deleted, at the tombstone's time; a second tombstone keeps the
   * first time, a PUT clears it) and says which planning the carts were last given.
   */
  async put(
    storeId: string,
    settings: StoreSettings | null,
    at: Date = new Date(),
  ): Promise<{ plannedFor: string | null }> {
    const [row]: Array<{ planned_for: string | null }> = await this.dataSource.query(
      `INSERT INTO store_settings AS s (store_id, settings, updated_at, deleted_at)
       VALUES ($1, $2::jsonb, now(), CASE WHEN $2::jsonb IS NULL THEN $3::timestamptz END)
       ON CONFLICT (store_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now(),
         deleted_at = CASE WHEN EXCLUDED.settings IS NULL THEN COALESCE(s.deleted_at, EXCLUDED.deleted_at) END
       RETURNING planned_for`,
      [storeId, settings === null ? null : JSON.stringify(settings), at.toISOString()],
    );
    return { plannedFor: row.planned_for };
  }

  async markPlanned(storeId: string, fingerprint: string): Promise<void> {
    await this.dataSource.query('UPDATE store_settings SET planned_for = $2 WHERE store_id = $1', [
      storeId,
      fingerprint,
    ]);
  }
}
