import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { withoutAnySecret, withoutPlaintextSecrets, type StoreSettings } from '@lib/contracts';
import { openAccessToken, SecretUnreadable } from '@lib/secrets';
import type { SenderConfig } from '../config';
import { SENDER_CONFIG } from '../tokens';
import { pauseEndedBy, isMarketingTermsPause } from './pause-rule';

export interface KnownStore {
  /** The settings, with `whatsapp.accessToken` opened in memory (absent when it does not open). */
  settings: StoreSettings;
  /** Its sends wait: token rejected, or its template paused by Meta. */
  paused: boolean;
  /** Paused because Meta paused or disabled its template (resumed when approved again). */
  templateHeld: boolean;
}

/** Digest of a token: enough to tell "the same token again" without keeping a second copy. */
export function tokenDigest(token: string | undefined): string {
  return createHash('sha256')
    .update(token ?? '')
    .digest('hex');
}

/**
 * The latest valid settings per store, and whether the store is paused (token rejected, or
 * not opening). The token is kept only sealed, as ingest published it (no webhook secret at
 * all: the sender never uses one), and opened in memory when a store is read.
 */
@Injectable()
export class StoreSettingsRepository {
  /** Opened tokens by ciphertext: a ciphertext opens to one token only. */
  private readonly opened = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SENDER_CONFIG) private readonly config: SenderConfig,
  ) {}

  /**
   * The store's access token, opened; throws SecretUnreadable when it is in plaintext or does
   * not open with SECRETS_ENCRYPTION_KEYS (a missing or wrong key). Undefined: none set.
   */
  accessTokenOf(settings: StoreSettings): string | undefined {
    const sealed = settings.whatsapp.accessTokenCiphertext;
    const known = sealed === undefined ? undefined : this.opened.get(sealed);
    if (known !== undefined) return known;
    const token = openAccessToken(settings, this.config.SECRETS_ENCRYPTION_KEYS);
    if (sealed !== undefined && token !== undefined) {
      if (this.opened.size >= 10_000) this.opened.clear();
      this.opened.set(sealed, token);
    }
    return token;
  }

  /**
   * The stores' settings and whether each is paused: its token was rejected, or (template mode)
   * Meta paused or disabled its template (`whatsapp_templates`, matched through the business
   * account of its phone number; see templates/template-state.ts). With `manager`, read in its
   * transaction (no second connection for a caller that holds one).
   */
  async ofStores(storeIds: string[], manager?: EntityManager): Promise<Map<string, KnownStore>> {
    if (storeIds.length === 0) return new Map();
    const rows: Array<{ store_id: string; settings: StoreSettings; paused: boolean; template_held: boolean }> = await (
      manager ?? this.dataSource
    ).query(
      `SELECT s.store_id, s.settings, s.paused_at IS NOT NULL AS paused,
           (s.settings->'whatsapp'->>'mode' = 'template' AND EXISTS (
              SELECT 1 FROM business_numbers b JOIN whatsapp_templates t ON t.waba_id = b.waba_id
              WHERE b.phone_number_id = s.settings->'whatsapp'->>'phoneNumberId'
                AND t.name = s.settings->'whatsapp'->>'templateName'
                AND t.status IN ('PAUSED', 'DISABLED'))) AS template_held
         FROM store_settings s WHERE s.store_id = ANY($1::text[])`,
      [storeIds],
    );
    return new Map(
      rows.map((r) => [
        r.store_id,
        {
          settings: this.withTokenOpened(r.settings),
          paused: r.paused || r.template_held === true,
          templateHeld: r.template_held === true,
        },
      ]),
    );
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
   * Replaces the settings (kept without any plaintext secret). A store paused for a rejected
   * token resumes when the token changes, one paused for 131055 with any settings
   * (pause-rule.ts), and a deleted store is deleted no more; returns whether it resumed, so
   * its held messages can be released, and the token opened (or why it does not open).
   */
  async put(
    storeId: string,
    settings: StoreSettings,
  ): Promise<{ resumed: boolean; unreadable: SecretUnreadable | undefined }> {
    let token: string | undefined;
    let unreadable: SecretUnreadable | undefined;
    try {
      token = this.accessTokenOf(settings);
    } catch (error) {
      if (!(error instanceof SecretUnreadable)) throw error;
      unreadable = error;
    }
    const stored = { ...withoutAnySecret(settings), whatsapp: withoutPlaintextSecrets(settings).whatsapp };
    const digest = tokenDigest(token);
    return this.dataSource.transaction(async (manager) => {
      const [before]: Array<{ paused_token: string | null; paused_reason: string | null }> = await manager.query(
        'SELECT paused_token, paused_reason FROM store_settings WHERE store_id = $1 AND paused_at IS NOT NULL FOR UPDATE',
        [storeId],
      );
      const resumed =
        before !== undefined &&
        pauseEndedBy(
          { reason: before.paused_reason, tokenDigest: before.paused_token },
          { tokenDigest: digest, tokenOpens: !unreadable },
        );
      await manager.query(
        `INSERT INTO store_settings AS s (store_id, settings, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (store_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()`,
        [storeId, JSON.stringify(stored)],
      );
      // PUT again: the store is no longer deleted, and its rows stay (within the grace, all of them).
      await manager.query('DELETE FROM deleted_stores WHERE store_id = $1', [storeId]);
      if (resumed) {
        await manager.query(
          'UPDATE store_settings SET paused_at = NULL, paused_reason = NULL, paused_token = NULL WHERE store_id = $1',
          [storeId],
        );
      }
      return { resumed, unreadable };
    });
  }

  /**
   * Forgets the store's settings and records when it was deleted (the tombstone's time; a second
   * tombstone keeps the first): RETENTION_DELETED_STORE_DAYS later the purge deletes its rows.
   */
  async delete(storeId: string, at: Date = new Date()): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('DELETE FROM store_settings WHERE store_id = $1', [storeId]);
      await manager.query(
        'INSERT INTO deleted_stores (store_id, deleted_at) VALUES ($1, $2) ON CONFLICT (store_id) DO NOTHING',
        [storeId, at.toISOString()],
      );
    });
  }

  /**
   * Pauses the store because this token was rejected (or does not open: undefined). A token
   * already replaced is not paused again (a late answer to a call made with the old token).
   * True when it paused now.
   */
  async pause(storeId: string, rejectedToken: string | undefined, reason: string): Promise<boolean> {
    const digest = tokenDigest(rejectedToken);
    return this.dataSource.transaction(async (manager) => {
      const [row]: Array<{ settings: StoreSettings }> = await manager.query(
        'SELECT settings FROM store_settings WHERE store_id = $1 AND paused_at IS NULL FOR UPDATE',
        [storeId],
      );
      if (!row || tokenDigest(this.withTokenOpened(row.settings).whatsapp.accessToken) !== digest) return false;
      await manager.query(
        'UPDATE store_settings SET paused_at = now(), paused_reason = $3, paused_token = $2 WHERE store_id = $1',
        [storeId, digest, reason],
      );
      return true;
    });
  }

  /**
   * The business account `wabaId` accepted the Marketing Messages API terms: its stores paused
   * for 131055 resume (pause-rule.ts). The account's numbers are those its webhooks named
   * (`business_numbers`). Returns the stores resumed, so their held messages can be released.
   */
  async resumeOnTermsSigned(wabaId: string): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      const paused: Array<{ store_id: string; paused_reason: string | null }> = await manager.query(
        `SELECT s.store_id, s.paused_reason FROM store_settings s
         JOIN business_numbers b ON b.phone_number_id = s.settings->'whatsapp'->>'phoneNumberId'
         WHERE b.waba_id = $1 AND s.paused_at IS NOT NULL FOR UPDATE OF s`,
        [wabaId],
      );
      const resumed = paused.filter((p) => isMarketingTermsPause({ reason: p.paused_reason })).map((p) => p.store_id);
      if (resumed.length > 0) {
        await manager.query(
          `UPDATE store_settings SET paused_at = NULL, paused_reason = NULL, paused_token = NULL
           WHERE store_id = ANY($1::text[])`,
          [resumed],
        );
      }
      return resumed;
    });
  }

  async pausedStores(): Promise<Array<{ storeId: string; reason: string; since: Date }>> {
    const rows: Array<{ store_id: string; paused_reason: string; paused_at: Date }> = await this.dataSource.query(
      'SELECT store_id, paused_reason, paused_at FROM store_settings WHERE paused_at IS NOT NULL',
    );
    return rows.map((r) => ({ storeId: r.store_id, reason: r.paused_reason, since: r.paused_at }));
  }

  /** Every store kept, with its settings, for the start-up check of the keyring. */
  async all(): Promise<Array<{ storeId: string; settings: StoreSettings; paused: boolean }>> {
    const rows: Array<{ store_id: string; settings: StoreSettings; paused: boolean }> = await this.dataSource.query(
      'SELECT store_id, settings, paused_at IS NOT NULL AS paused FROM store_settings',
    );
    return rows.map((r) => ({ storeId: r.store_id, settings: r.settings, paused: r.paused }));
  }

  /** The settings with the token opened in memory; one that does not open is left out. */
  private withTokenOpened(settings: StoreSettings): StoreSettings {
    let token: string | undefined;
    try {
      token = this.accessTokenOf(settings);
    } catch (error) {
      if (!(error instanceof SecretUnreadable)) throw error;
    }
    const { accessTokenCiphertext: _sealed, ...whatsapp } = settings.whatsapp;
    return { ...settings, whatsapp: token === undefined ? whatsapp : { ...whatsapp, accessToken: token } };
  }
}
