import { createHmac } from 'node:crypto';
import { settingsForVariant, type ExperimentsSettings, type StoreSettings } from '@lib/contracts';
import { periodOf } from './holdout';

/**
 * The A/B draw (docs/scheduler.md "Variants"), pure: which of the store's message variants a
 * shopper gets for the experiment's period. As the holdout's, a keyed hash (HMAC-SHA-256 under
 * EXPERIMENT_ASSIGNMENT_KEY) of store, period and phone, read as a number in [0, 1), here under
 * a label of its own so the two draws are independent: the variants split the messaged shoppers
 * by weight whatever the holdout does. Sticky: the same shopper gets the same variant for every
 * cart of the period, on every instance, so the delay planned at detection and the message
 * chosen at the send decision are the same variant's.
 */
export function variantDraw(key: string, storeId: string, period: string, phone: string): number {
  const digest = createHmac('sha256', key).update(`${storeId}\u001f${period}\u001fvariant\u001f${phone}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The variant id of this shopper, or null when the store runs no A/B test (or there is no key). */
export function variantOf(
  key: string | undefined,
  experiments: ExperimentsSettings | undefined,
  storeId: string,
  phone: string,
): string | null {
  const variants = experiments?.variants;
  if (!key || !variants || variants.length === 0) return null;
  const total = variants.reduce((n, v) => n + v.weight, 0);
  let point = variantDraw(key, storeId, periodOf(experiments), phone) * total;
  for (const v of variants) {
    if (point < v.weight) return v.id;
    point -= v.weight;
  }
  return variants[variants.length - 1].id;
}

/** The settings this shopper's carts are planned with: their variant's delay, if they have one. */
export function planningSettingsFor(
  key: string | undefined,
  settings: StoreSettings | undefined,
  storeId: string,
  phone: string | null,
): StoreSettings | undefined {
  if (!settings || !phone) return settings;
  return settingsForVariant(settings, variantOf(key, settings.experiments, storeId, phone));
}
