import { Decoded, decodeStoreSettingsRecord, StoreSettingsChange } from '@lib/contracts';
import { validateOpeningHours } from './opening-hours';
import { isValidTimeZone } from './zone-offsets';

/**
 * A `store-settings` record as every service takes it: defaults filled, the key must be the
 * store, a tombstone deletes, and the time zone and opening hours must be usable (the
 * scheduler plans with them, the sender checks them when a message is about to leave).
 * Anything else is refused with a reason for the dead-letter topic, and the store's previous
 * settings stay in force.
 */
export function acceptStoreSettings(key: Buffer | null, value: Buffer | null): Decoded<StoreSettingsChange> {
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
