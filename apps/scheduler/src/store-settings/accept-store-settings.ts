import { Decoded, StoreSettings, storeSettingsContract, StoreSettingsSchema, withDefaults } from '@lib/contracts';

/** A record of the compacted `store-settings` topic, once understood. */
export type SettingsChange =
  | { kind: 'put'; storeId: string; settings: StoreSettings }
  /** A tombstone: the store is deleted. */
  | { kind: 'delete'; storeId: string };

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
  const storeId = key?.toString('utf8') ?? '';
  if (!storeId) return { ok: false, reason: 'invalid-id', error: 'store-settings record without a key' };
  if (value === null) return { ok: true, value: { kind: 'delete', storeId } };
  const decoded = storeSettingsContract.decode(withDefaultsOf(value));
  if (!decoded.ok) return decoded;
  const settings = decoded.value;
  if (settings.storeId !== storeId) {
    return { ok: false, reason: 'invalid-settings', error: `key ${storeId} is not the storeId ${settings.storeId}` };
  }
  if (!isTimeZone(settings.timezone)) {
    return { ok: false, reason: 'invalid-settings', error: `/timezone: unknown IANA time zone ${settings.timezone}` };
  }
  const hoursProblem = checkOpeningHours(settings);
  if (hoursProblem) return { ok: false, reason: 'invalid-settings', error: `/openingHours: ${hoursProblem}` };
  return { ok: true, value: { kind: 'put', storeId, settings } };
}

/** Defaults are filled before validation, as the admin API does (contracts.md). */
function withDefaultsOf(value: Buffer): string | Buffer {
  try {
    return JSON.stringify(withDefaults(StoreSettingsSchema, JSON.parse(value.toString('utf8'))));
  } catch {
    return value; // not JSON: decode reports it
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
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
