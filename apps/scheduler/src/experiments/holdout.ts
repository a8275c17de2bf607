import { createHmac } from 'node:crypto';
import type { ExperimentsSettings } from '@lib/contracts';

/**
 * The holdout draw (docs/scheduler.md "Holdout"), pure: which arm a store's shopper is in for
 * the experiment's period. A keyed hash (HMAC-SHA-256 under EXPERIMENT_ASSIGNMENT_KEY) of store,
 * period and phone, read as a number in [0, 1): below holdoutPercent / 100 the shopper is held
 * out. The same inputs always give the same arm (sticky across carts, instances and restarts);
 * another period gives an independent draw; without the key nobody can tell or steer the arm.
 */
export type Arm = 'treated' | 'holdout';

export const ARMS: readonly Arm[] = ['treated', 'holdout'];

/** The shopper's draw in [0, 1): the hash's first 48 bits over 2^48. */
export function holdoutDraw(key: string, storeId: string, period: string, phone: string): number {
  // Unit separators: no store, period or phone can make another's input.
  const digest = createHmac('sha256', key).update(`${storeId}\u001f${period}\u001f${phone}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The arm of a cart that reached the send decision, or null when the store runs no holdout
 * (holdoutPercent 0 or unset, or no key to draw with): then the cart is not in an experiment.
 */
export function armOf(
  key: string | undefined,
  experiments: ExperimentsSettings | undefined,
  storeId: string,
  phone: string,
): Arm | null {
  const percent = experiments?.holdoutPercent ?? 0;
  if (!key || percent <= 0) return null;
  return holdoutDraw(key, storeId, periodOf(experiments), phone) < percent / 100 ? 'holdout' : 'treated';
}

/** The period a draw is for: the store's, or '' for a store that never named one. */
export function periodOf(experiments: ExperimentsSettings | undefined): string {
  return experiments?.period ?? '';
}
