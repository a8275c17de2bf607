import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { StoreSettings } from '@lib/contracts';

export interface StoredRow {
  settings: StoreSettings;
  version: number;
}

/**
 * The admin API's record of each store's settings (secrets sealed: the sender needs the
 * token, ingest the webhook secrets). `store-settings` is its published copy; writes publish inside the row's lock, so
 * the topic's order per store is the table's order.
 */
@Injectable()
export class StoreSettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(storeId: string): Promise<StoredRow | undefined> {
    const rows: Array<{ settings: StoreSettings; version: string }> = await this.dataSource.query(
      'SELECT settings, version FROM store_settings WHERE store_id = $1',
      [storeId],
    );
    return rows[0] ? { settings: rows[0].settings, version: Number(rows[0].version) } : undefined;
  }

  async storeIds(): Promise<string[]> {
    const rows: Array<{ store_id: string }> = await this.dataSource.query(
      'SELECT store_id FROM store_settings ORDER BY store_id',
    );
    return rows.map((r) => r.store_id);
  }

  /**
   * Runs `work` holding the store's lock (concurrent writes of one store take turns), with
   * the current row; the transaction commits only if `work` resolves.
   */
  withStoreLocked<T>(storeId: string, work: (current: StoredRow | undefined, tx: StoreTx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`store-settings:${storeId}`]);
      const rows: Array<{ settings: StoreSettings; version: string }> = await manager.query(
        'SELECT settings, version FROM store_settings WHERE store_id = $1',
        [storeId],
      );
      const current = rows[0] ? { settings: rows[0].settings, version: Number(rows[0].version) } : undefined;
      return work(current, new StoreTx(manager, storeId));
    });
  }
}

export class StoreTx {
  constructor(
    private readonly manager: EntityManager,
    private readonly storeId: string,
  ) {}

  async save(settings: StoreSettings): Promise<number> {
    const rows: Array<{ version: string }> = await this.manager.query(
      `INSERT INTO store_settings (store_id, settings) VALUES ($1, $2)
       ON CONFLICT (store_id) DO UPDATE
         SET settings = EXCLUDED.settings, version = store_settings.version + 1, updated_at = now()
       RETURNING version`,
      [this.storeId, JSON.stringify(settings)],
    );
    return Number(rows[0].version);
  }

  async delete(): Promise<void> {
    await this.manager.query('DELETE FROM store_settings WHERE store_id = $1', [this.storeId]);
  }
}
