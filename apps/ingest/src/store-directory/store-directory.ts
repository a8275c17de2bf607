import { WEBHOOK_PLATFORMS } from '@lib/contracts';
import { Keyring, openWebhookSecret, SecretUnreadable } from '@lib/secrets';

/** What ingest needs to know of a store to read its events and verify its webhooks. */
export interface StoreEntry {
  defaultCountry: string;
  /** Webhook signing secrets by platform, opened (`shopify.webhookSecretCiphertext` → `shopify`). */
  webhookSecrets?: Record<string, string>;
  /** Platforms whose secret is set but does not open (its webhooks are refused), with why. */
  unreadableSecrets?: Record<string, string>;
}

/** Told when a store's secret does not open: a wrong or missing key, or one left in plaintext. */
export type UnreadableSecret = (storeId: string, platform: string, error: SecretUnreadable) => void;

/**
 * The latest `store-settings` record of every store, reduced to what ingest uses, in memory.
 * Rebuilt from the compacted topic at each start, so ingest keeps no state of its own.
 * Webhook secrets are opened with the keyring (without one, they are not read at all); one
 * that does not open leaves the store without it, never with a plaintext fallback.
 */
export class StoreDirectory {
  private readonly stores = new Map<string, StoreEntry>();

  constructor(
    private readonly keyring?: Keyring,
    private readonly onUnreadable: UnreadableSecret = () => undefined,
  ) {}
  /** Grows with every change, so copies (decision workers) know when to refresh. */
  version = 0;

  /** Applies one record of `store-settings`: a tombstone forgets the store. */
  applyRecord(key: string | null, value: Buffer | string | null): void {
    if (!key) return;
    if (value === null) {
      if (this.stores.delete(key)) this.version++;
      return;
    }
    const entry = this.entryOf(key, value);
    // A record ingest cannot read keeps the previous entry (the scheduler dead-letters it).
    if (entry) {
      this.stores.set(key, entry);
      this.version++;
    }
  }

  get(storeId: string): StoreEntry | undefined {
    return this.stores.get(storeId);
  }

  /** Every store's `defaultCountry`, for the decision workers' copy. */
  countries(): Array<[string, string]> {
    return [...this.stores].map(([storeId, entry]) => [storeId, entry.defaultCountry]);
  }

  get size(): number {
    return this.stores.size;
  }

  /** Stores with a secret that does not open. */
  unreadable(): Array<[string, StoreEntry]> {
    return [...this.stores].filter(([, entry]) => entry.unreadableSecrets);
  }

  private entryOf(storeId: string, value: Buffer | string): StoreEntry | undefined {
    let settings: unknown;
    try {
      settings = JSON.parse(value.toString());
    } catch {
      return undefined;
    }
    if (typeof settings !== 'object' || settings === null) return undefined;
    const { defaultCountry } = settings as { defaultCountry?: unknown };
    if (typeof defaultCountry !== 'string' || !/^[A-Z]{2}$/.test(defaultCountry)) return undefined;
    const entry: StoreEntry = { defaultCountry };
    if (!this.keyring) return entry;
    const webhookSecrets: Record<string, string> = {};
    const unreadableSecrets: Record<string, string> = {};
    for (const platform of WEBHOOK_PLATFORMS) {
      try {
        // The record's key is the store the ciphertext must be bound to.
        const secret = openWebhookSecret({ ...(settings as object), storeId }, platform, this.keyring);
        if (secret) webhookSecrets[platform] = secret;
      } catch (error) {
        if (!(error instanceof SecretUnreadable)) throw error;
        unreadableSecrets[platform] = error.message;
        this.onUnreadable(storeId, platform, error);
      }
    }
    if (Object.keys(webhookSecrets).length) entry.webhookSecrets = webhookSecrets;
    if (Object.keys(unreadableSecrets).length) entry.unreadableSecrets = unreadableSecrets;
    return entry;
  }
}
