import type { SendDue } from '@lib/contracts';
import { Episode, PlanningSettings, timerOf } from '../cart-events/abandonment';
import { reachablePhone } from '../cart-events/cart-facts';
import type { CartState } from '../cart-events/cart-state';
import type { ContactVerdict } from '../contacts/contact-hold.repository';
import type { Arm } from '../experiments/holdout';

/**
 * What happens to a cart whose timer is due, as pure functions. The timer loop claims due
 * carts, asks `triageDue` what each needs, settles the frequency rule and opt-outs in the
 * database for those that want to send, then closes each episode with `closeEpisode`.
 */

/** The same due message always carries the same id: store, cart and abandonment number. */
export function sendIdOf(storeId: string, cartId: string, episode: number): string {
  // storeId has no ':' and is at most 64 characters, cartId at most 128: with up to six
  // digits of episode number this stays within the contract's 200 characters.
  return `${storeId}:${cartId}:${episode}`;
}

export type Triage =
  /** The message may go out once the contact rules allow it. */
  | { action: 'send'; phone: string; minHoursBetweenMessages: number }
  /** planSend found no opening in time: the episode expires. */
  | { action: 'expire' }
  /** Nothing can go out now (store unknown or disabled since planning): re-planned, no timer. */
  | { action: 'hold'; episode: Episode };

export function triageDue(cart: CartState, settings: PlanningSettings | undefined): Triage {
  const timer = timerOf(cart.episode);
  const hold = (status: 'waiting-settings' | 'disabled'): Triage => ({
    action: 'hold',
    episode: { ...cart.episode, status, dueAt: null, notAfter: null, reason: null },
  });
  if (timer?.kind === 'expire') return { action: 'expire' };
  if (!settings) return hold('waiting-settings');
  if (!settings.enabled) return hold('disabled');
  const phone = reachablePhone(cart.facts);
  if (!timer || !phone) return { action: 'hold', episode: { ...cart.episode, status: 'idle', reason: 'no-timer' } };
  return { action: 'send', phone, minHoursBetweenMessages: settings.minHoursBetweenMessages };
}

/**
 * The closed episode once the timer fired: emitted, held out (the message would have gone now,
 * but the shopper is in the holdout), expired, or skipped with a reason.
 */
export function closeEpisode(
  cart: CartState,
  result: { kind: 'expired' } | { kind: 'contact'; verdict: ContactVerdict; arm?: Arm | null },
  now: number,
): Episode {
  const closed = { ...cart.episode, closedAt: now };
  if (result.kind === 'expired') return { ...closed, status: 'expired', reason: cart.episode.reason };
  if (result.verdict !== 'granted') return { ...closed, status: 'skipped', reason: result.verdict };
  return {
    ...closed,
    // A held-out episode keeps the id of the message it would have been (its frequency hold names it).
    status: result.arm === 'holdout' ? 'held-out' : 'emitted',
    reason: null,
    sendId: sendIdOf(cart.storeId, cart.cartId, cart.episode.number),
  };
}

/** The `send-due` event of an emitted episode. */
export function sendDueOf(cart: CartState, episode: Episode, variant: string | null = null): SendDue {
  const f = cart.facts;
  const customer: SendDue['customer'] = { phone: reachablePhone(f)! };
  if (f.firstName?.v) customer.firstName = f.firstName.v;
  if (f.locale?.v) customer.locale = f.locale.v;
  const event: SendDue = {
    schemaVersion: 1,
    sendId: episode.sendId!,
    storeId: cart.storeId,
    cartId: cart.cartId,
    customer,
    items: f.items!.v,
    recoveryUrl: f.recoveryUrl!.v,
    detectedAt: new Date(episode.detectedAt!).toISOString(),
    dueAt: new Date(episode.dueAt!).toISOString(),
    notAfter: new Date(episode.notAfter!).toISOString(),
  };
  if (f.currency) event.currency = f.currency.v;
  if (f.total) event.total = f.total.v;
  if (variant) event.variant = variant;
  return event;
}
