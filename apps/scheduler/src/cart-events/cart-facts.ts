import { CartEvent, CartEventType, CartItem, E164_PATTERN } from '@lib/contracts';

/**
 * What the scheduler knows about a cart, merged from its events so that the order in which
 * they arrive does not matter: every field keeps the value of the newest event (by
 * `occurredAt`, then `eventId`) that carried it. Merging is commutative, associative and
 * idempotent, so duplicates and any interleaving end in the same facts.
 */

/** When an event happened, with its id to break ties between events of the same instant. */
export interface Stamp {
  at: number;
  id: string;
}

/** A value and the stamp of the event that set it. */
export interface Fact<T> {
  v: T;
  s: Stamp;
}

export interface Conversion {
  s: Stamp;
  orderId: string | null;
  total: string | null;
  currency: string | null;
}

export interface CartFacts {
  /** The newest event of any type: it says whether the cart is open, converted or emptied. */
  newest?: { s: Stamp; type: CartEventType };
  /** The newest activity (`cart.updated`, `checkout.started`). */
  activity?: Stamp;
  phone?: Fact<string>;
  firstName?: Fact<string>;
  locale?: Fact<string>;
  optIn?: Fact<boolean>;
  items?: Fact<CartItem[]>;
  currency?: Fact<string>;
  total?: Fact<string>;
  recoveryUrl?: Fact<string>;
  /** The newest `cart.converted`: the order placed, for attribution. */
  conversion?: Conversion;
  /** Ids of the newest events seen (bounded): a duplicate eventId is dropped before merging. */
  seen: Array<[number, string]>;
}

export type CartPhase = 'open' | 'converted' | 'emptied';

/** How many event ids a cart remembers; older duplicates merge to the same facts anyway. */
export const SEEN_EVENT_IDS = 16;

const ACTIVITY: ReadonlySet<CartEventType> = new Set(['cart.updated', 'checkout.started']);
const E164 = new RegExp(E164_PATTERN);

export function emptyFacts(): CartFacts {
  return { seen: [] };
}

/** a is strictly newer than b. */
export function isNewer(a: Stamp, b: Stamp | undefined): boolean {
  if (!b) return true;
  return a.at !== b.at ? a.at > b.at : a.id > b.id;
}

export function stampOf(event: CartEvent): Stamp {
  return { at: Date.parse(event.occurredAt), id: event.eventId };
}

function newerFact<T>(current: Fact<T> | undefined, v: T | undefined, s: Stamp): Fact<T> | undefined {
  if (v === undefined) return current;
  return isNewer(s, current?.s) ? { v, s } : current;
}

/**
 * The facts after one more event. A duplicate `eventId` returns the same object (nothing to
 * write); any other event is merged field by field, newest stamp winning.
 */
export function mergeCartEvent(facts: CartFacts, event: CartEvent): CartFacts {
  if (facts.seen.some(([, id]) => id === event.eventId)) return facts;
  const s = stampOf(event);
  const next: CartFacts = { ...facts };
  if (isNewer(s, facts.newest?.s)) next.newest = { s, type: event.type };
  if (ACTIVITY.has(event.type)) {
    if (isNewer(s, facts.activity)) next.activity = s;
    const c = event.customer;
    next.phone = newerFact(facts.phone, c?.phone, s);
    next.firstName = newerFact(facts.firstName, c?.firstName, s);
    next.locale = newerFact(facts.locale, c?.locale, s);
    next.optIn = newerFact(facts.optIn, c?.whatsappOptIn, s);
    next.items = newerFact(facts.items, event.items, s);
    next.currency = newerFact(facts.currency, event.currency, s);
    next.total = newerFact(facts.total, event.total, s);
    next.recoveryUrl = newerFact(facts.recoveryUrl, event.recoveryUrl, s);
  } else if (event.type === 'cart.converted' && isNewer(s, facts.conversion?.s)) {
    next.conversion = {
      s,
      orderId: event.orderId ?? null,
      total: event.total ?? null,
      currency: event.currency ?? null,
    };
  }
  next.seen = [...facts.seen, [s.at, s.id] as [number, string]]
    .sort((a, b) => (a[0] !== b[0] ? b[0] - a[0] : a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0))
    .slice(0, SEEN_EVENT_IDS);
  return next;
}

export function phaseOf(facts: CartFacts): CartPhase {
  switch (facts.newest?.type) {
    case 'cart.converted':
      return 'converted';
    case 'cart.emptied':
      return 'emptied';
    default:
      return 'open';
  }
}

/** The customer's phone when it can be messaged: E.164 and WhatsApp opt-in given. */
export function reachablePhone(facts: CartFacts): string | null {
  const phone = facts.phone?.v;
  if (!phone || !E164.test(phone) || facts.optIn?.v !== true) return null;
  return phone;
}

/** Why a cart cannot be abandoned (messaged) as it stands, or null when it can. */
export function ineligibility(facts: CartFacts, optedOut: boolean): string | null {
  if (!facts.items || facts.items.v.length === 0) return 'no-items';
  if (!reachablePhone(facts)) return 'no-reachable-customer';
  if (optedOut) return 'opted-out';
  if (!facts.recoveryUrl) return 'no-recovery-url';
  return null;
}

/** The order placed, with the cart's currency and total when the event left them out. */
export function orderOf(facts: CartFacts): { at: number; total: string | null; currency: string | null } | null {
  const c = facts.conversion;
  if (!c) return null;
  return {
    at: c.s.at,
    total: c.total ?? facts.total?.v ?? null,
    currency: (c.currency ?? facts.currency?.v ?? null)?.toUpperCase() ?? null,
  };
}
