import type { StoreSettings } from '@lib/contracts';

/**
 * The settings fields that change when carts are due; others (templates, tokens) do not. The
 * A/B variants' delays and weights are among them (a shopper's variant sets the delay), and
 * the experiment's period (it draws the variants again).
 */
export function planningFingerprint(settings: StoreSettings | undefined): string {
  if (!settings) return 'none';
  const { enabled, timezone, openingHours, closedDates, abandonAfterMinutes, sendDelayMinutes, maxDeferralHours } =
    settings;
  const variants = settings.experiments?.variants;
  return JSON.stringify([
    enabled,
    timezone,
    openingHours,
    closedDates,
    abandonAfterMinutes,
    sendDelayMinutes,
    maxDeferralHours,
    // Only with variants: a store without them keeps the fingerprint it always had.
    ...(variants
      ? [settings.experiments?.period ?? '', variants.map((v) => [v.id, v.weight, v.sendDelayMinutes ?? null])]
      : []),
  ]);
}
