import { isValidTimeZone } from '@lib/business-hours';
import { Decoded, decodeStoreSettingsRecord, StoreSettings, StoreSettingsChange } from '@lib/contracts';

export type SettingsChange = StoreSettingsChange;

/** Problems with opening hours that the schema cannot see (overlaps, start after end), or null. */
export type OpeningHoursCheck = (settings: StoreSettings) => string | null;

/**
 * Decides whether a `store-settings` record can replace the store's settings. Anything that
 * would make planning fail later (unknown time zone, overlapping hours, a key that is not the
 * store) is rejected here, so the previous settings stay in force.
 */
export function acceptStoreSettings(
  key: Buffer | null,
  value: Buffer | null,
  checkOpeningHours: OpeningHoursCheck,
): Decoded<SettingsChange> {
  const decoded = decodeStoreSettingsRecord(key, value);
  if (!decoded.ok || decoded.value.kind === 'delete') return decoded;
  const { settings } = decoded.value;
  if (!isValidTimeZone(settings.timezone)) {
    return { ok: false, reason: 'invalid-settings', error: `/timezone: unknown IANA time zone ${settings.timezone}` };
  }
  const hoursProblem = checkOpeningHours(settings);
  if (hoursProblem) return { ok: false, reason: 'invalid-settings', error: `/openingHours: ${hoursProblem}` };
  return decoded;
}

/** The settings fields that change when carts are due; others (templates, tokens) do not. */
export function planningFingerprint(settings: StoreSettings | undefined): string {
  if (!settings) return 'none';
  const { enabled, timezone, openingHours, closedDates, abandonAfterMinutes, sendDelayMinutes, maxDeferralHours } =
    settings;
  return JSON.stringify([
    enabled,
    timezone,
    openingHours,
    closedDates,
    abandonAfterMinutes,
    sendDelayMinutes,
    maxDeferralHours,
  ]);
}
