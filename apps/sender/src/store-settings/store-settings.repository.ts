import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { StoreSettings } from '@lib/contracts';
import { updatedRows, type UpdateResult } from '@lib/database';

export interface KnownStore {
  settings: StoreSettings;
  paused: boolean;
}

/** Digest of a token: enough to tell "the same token again" without keeping a second copy. */
export function tokenDigest(token: string | undefined): string {
  return createHash('sha256')
    .update(token ?? '')
    .digest('hex');
}

/** The latest valid settings per store, and whether the store is paused (token rejected). */
@Injectable()
export class StoreSettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async ofStores(storeIds: string[]): Promise<Map<string, KnownStore>> {
    if (storeIds.length === 0) return new Map();
    const rows: Array<{ store_id: string; settings: StoreSettings; paused: boolean }> = await this.dataSource.query(
      `SELECT store_id, settings, paused_at IS NOT NULL AS paused FROM store_settings WHERE store_id = ANY($1::text[])`,
      [storeIds],
    );
    return new Map(rows.map((r) => [r.store_id, { settings: r.settings, paused: r.paused }]));
  }

  /** Stores whose phone number id is this one (inbound webhooks name the number, not the store). */
  async storesOfPhoneNumber(phoneNumberId: string): Promise<string[]> {
    const rows: Array<{ store_id: string }> = await this.dataSource.query(
      `SELECT store_id FROM store_settings WHERE settings->'whatsapp'->>'phoneNumberId' = $1`,
      [phoneNumberId],
    );
    return rows.map((r) => r.store_id);
  }

  /**
   * Replaces the settings. A store paused for a rejected token resumes when the token changes;
   * returns whether it did, so its held messages can be released.
   */
  async put(storeId: string, settings: StoreSettings): Promise<{ resumed: boolean }> {
    const digest = tokenDigest(settings.whatsapp.accessToken);
    return this.dataSource.transaction(async (manager) => {
      const [before]: Array<{ paused_token: string | null }> = await manager.query(
        'SELECT paused_token FROM store_settings WHERE store_id = $1 AND paused_at IS NOT NULL FOR UPDATE',
        [storeId],
      );
      const resumed = before !== undefined && before.paused_token !== digest;
      await manager.query(
        `INSERT INTO store_settings AS s (store_id, settings, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (store_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()`,
        [storeId, JSON.stringify(settings)],
      );
      if (resumed) {
        await manager.query(
          'UPDATE store_settings SET paused_at = NULL, paused_reason = NULL, paused_token = NULL WHERE store_id = $1',
          [storeId],
        );
      }
      return { resumed };
    });
  }

  async delete(storeId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM store_settings WHERE store_id = $1', [storeId]);
  }

  /**
   * Pauses the store because this token was rejected. A token already replaced is not
   * paused again (a late answer to a call made with the old token). True when it paused now.
   */
  async pause(storeId: string, rejectedToken: string | undefined, reason: string): Promise<boolean> {
    const digest = tokenDigest(rejectedToken);
    const result: UpdateResult<unknown> = await this.dataSource.query(
      `UPDATE store_settings SET paused_at = now(), paused_reason = $3, paused_token = $2
       WHERE store_id = $1 AND paused_at IS NULL
         AND encode(sha256(convert_to(coalesce(settings->'whatsapp'->>'accessToken', ''), 'UTF8')), 'hex') = $2
       RETURNING store_id`,
      [storeId, digest, reason],
    );
    return updatedRows(result).length > 0;
  }

  async pausedStores(): Promise<Array<{ storeId: string; reason: string; since: Date }>> {
    const rows: Array<{ store_id: string; paused_reason: string; paused_at: Date }> = await this.dataSource.query(
      'SELECT store_id, paused_reason, paused_at FROM store_settings WHERE paused_at IS NOT NULL',
    );
    return rows.map((r) => ({ storeId: r.store_id, reason: r.paused_reason, since: r.paused_at }));
  }
}
