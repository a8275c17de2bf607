import { Decoded, StoreSettings, storeSettingsContract, StoreSettingsSchema, withDefaults } from '@lib/contracts';

export type SettingsChange =
  { kind: 'put'; storeId: string; settings: StoreSettings } | { kind: 'delete'; storeId: string };

/**
 * A `store-settings` record as the sender takes it: defaults filled, the key must be the
 * store, a tombstone deletes. Anything else goes to the dead-letter topic and the previous
 * settings stay in force.
 */
export function acceptStoreSettings(key: Buffer | null, value: Buffer | null): Decoded<SettingsChange> {
  const storeId = key?.toString('utf8') ?? '';
  if (!storeId) return { ok: false, reason: 'invalid-id', error: 'store-settings record without a key' };
  if (value === null) return { ok: true, value: { kind: 'delete', storeId } };
  let filled: string | Buffer = value;
  try {
    filled = JSON.stringify(withDefaults(StoreSettingsSchema, JSON.parse(value.toString('utf8'))));
  } catch {
    // not JSON: decode says so
  }
  const decoded = storeSettingsContract.decode(filled);
  if (!decoded.ok) return decoded;
  if (decoded.value.storeId !== storeId) {
    return {
      ok: false,
      reason: 'invalid-settings',
      error: `key ${storeId} is not the storeId ${decoded.value.storeId}`,
    };
  }
  return { ok: true, value: { kind: 'put', storeId, settings: decoded.value } };
}
