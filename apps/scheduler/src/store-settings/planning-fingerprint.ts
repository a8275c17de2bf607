import type { StoreSettings } from '@lib/contracts';

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
