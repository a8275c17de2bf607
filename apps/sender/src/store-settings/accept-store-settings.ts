import { isValidTimeZone, validateOpeningHours } from '@lib/business-hours';
import { Decoded, decodeStoreSettingsRecord, StoreSettingsChange } from '@lib/contracts';

export type SettingsChange = StoreSettingsChange;

/**
 * A `store-settings` record as the sender takes it: defaults filled, the key must be the
 * store, a tombstone deletes, and the opening hours must be usable (the sender checks them
 * when a message is about to leave). Anything else goes to the dead-letter topic and the
 * previous settings stay in force.
 */
export function acceptStoreSettings(key: Buffer | null, value: Buffer | null): Decoded<SettingsChange> {
  const decoded = decodeStoreSettingsRecord(key, value);
  if (!decoded.ok || decoded.value.kind === 'delete') return decoded;
  const { settings } = decoded.value;
  if (!isValidTimeZone(settings.timezone)) {
    return { ok: false, reason: 'invalid-settings', error: `/timezone: unknown IANA time zone ${settings.timezone}` };
  }
  const problems = validateOpeningHours(settings.openingHours, settings.closedDates);
  if (problems.length > 0)
    return { ok: false, reason: 'invalid-settings', error: `/openingHours: ${problems.join('; ')}` };
  return decoded;
}
