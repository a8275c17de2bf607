/** What ingest needs to know of a store to read its events and verify its webhooks. */
export interface StoreEntry {
  defaultCountry: string;
  /** Webhook signing secrets by platform (`shopify.webhookSecret` in the settings → `shopify`). */
  webhookSecrets?: Record<string, string>;
}

/**
 * The latest `store-settings` record of every store, reduced to what ingest uses, in memory.
 * Rebuilt from the compacted topic at each start, so ingest keeps no state of its own.
 */
export class StoreDirectory {
  private readonly stores = new Map<string, StoreEntry>();
  /** Grows with every change, so copies (decision workers) know when to refresh. */
  version = 0;

  /** Applies one record of `store-settings`: a tombstone forgets the store. */
  applyRecord(key: string | null, value: Buffer | string | null): void {
    if (!key) return;
    if (value === null) {
      if (this.stores.delete(key)) this.version++;
      return;
    }
    const entry = entryOf(value);
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
}

function entryOf(value: Buffer | string): StoreEntry | undefined {
  let settings: unknown;
  try {
    settings = JSON.parse(value.toString());
  } catch {
    return undefined;
  }
  if (typeof settings !== 'object' || settings === null) return undefined;
  const { defaultCountry } = settings as { defaultCountry?: unknown };
  if (typeof defaultCountry !== 'string' || !/^[A-Z]{2}$/.test(defaultCountry)) return undefined;
  // Any platform section with a webhook secret: a new platform needs no change here.
  const webhookSecrets: Record<string, string> = {};
  for (const [platform, section] of Object.entries(settings)) {
    const secret = (section as { webhookSecret?: unknown } | null)?.webhookSecret;
    if (typeof section === 'object' && typeof secret === 'string' && secret !== '') webhookSecrets[platform] = secret;
  }
  return Object.keys(webhookSecrets).length ? { defaultCountry, webhookSecrets } : { defaultCountry };
}
