import type { CartEvent, Decoded } from '@lib/contracts';
import { currencyDigits, moneyWithDigits } from './money';
import { PhoneProblem, phoneToE164 } from './phone';

export interface NormalizeContext {
  now: Date;
  /** How far ahead of `now` an event may say it happened (clock skew), in ms. */
  maxFutureSkewMs: number;
  /** ISO 3166-1 alpha-2 country used to read national phone numbers of this store. */
  defaultCountry: string;
}

export interface NormalizedCartEvent {
  event: CartEvent;
  /** Set when the customer's phone was dropped: the cart stays, without a reachable customer. */
  phoneProblem?: PhoneProblem;
}

const TEXT_FIELDS = ['eventId', 'currency', 'recoveryUrl', 'orderId'] as const;
const CUSTOMER_TEXT = ['phone', 'firstName', 'locale'] as const;
const ITEM_TEXT = ['sku', 'title', 'unitPrice', 'imageUrl'] as const;

/**
 * Trims free text and upper-cases the currency of a parsed (not yet validated) event, in
 * place, before the contract checks it: " Zapatillas " is a sloppy title, not a bad event.
 * Ids (`storeId`, `cartId`) are left alone: they make the partition key and must match as sent.
 * Anything that is not the expected type is left for the contract to reject.
 */
export function tidyCartEvent(candidate: unknown): unknown {
  if (!isObject(candidate)) return candidate;
  trimFields(candidate, TEXT_FIELDS);
  if (typeof candidate.currency === 'string') candidate.currency = candidate.currency.toUpperCase();
  if (isObject(candidate.customer)) {
    trimFields(candidate.customer, CUSTOMER_TEXT);
    // An empty first name or phone is the same as none.
    for (const key of ['firstName', 'phone'] as const)
      if (candidate.customer[key] === '') delete candidate.customer[key];
  }
  if (Array.isArray(candidate.items))
    for (const item of candidate.items) if (isObject(item)) trimFields(item, ITEM_TEXT);
  return candidate;
}

/**
 * The canonical normal form of a valid event: `occurredAt` (and consent times) in UTC, money with exactly the
 * currency's digits, the phone in E.164 (or dropped, with the reason). Rejects events from
 * too far in the future and money that the currency cannot carry.
 */
export function normalizeCartEvent(event: CartEvent, ctx: NormalizeContext): Decoded<NormalizedCartEvent> {
  const occurredAt = new Date(event.occurredAt);
  if (occurredAt.getTime() - ctx.now.getTime() > ctx.maxFutureSkewMs) {
    return {
      ok: false,
      reason: 'occurred-in-future',
      error: `occurredAt ${event.occurredAt} is more than ${ctx.maxFutureSkewMs / 1000} s ahead of ${ctx.now.toISOString()}`,
    };
  }
  const out: CartEvent = { ...event, occurredAt: occurredAt.toISOString() };
  if (event.consent) {
    out.consent = event.consent.map((c) => (c.at === undefined ? c : { ...c, at: new Date(c.at).toISOString() }));
  }

  if (event.currency !== undefined) {
    const digits = currencyDigits(event.currency);
    if (digits === undefined) {
      return { ok: false, reason: 'invalid-money', error: `currency ${event.currency} is not an ISO 4217 code` };
    }
    if (event.total !== undefined) {
      const total = moneyWithDigits(event.total, digits);
      if (!total.ok) return { ok: false, reason: 'invalid-money', error: `/total: ${total.error}` };
      out.total = total.value;
    }
    if (event.items) {
      const items = [];
      for (const [i, item] of event.items.entries()) {
        const price = moneyWithDigits(item.unitPrice, digits);
        if (!price.ok) return { ok: false, reason: 'invalid-money', error: `/items/${i}/unitPrice: ${price.error}` };
        items.push({ ...item, unitPrice: price.value });
      }
      out.items = items;
    }
  }
  // Without a currency the digits are unknown: amounts pass as the contract accepted them.

  let phoneProblem: PhoneProblem | undefined;
  if (event.customer?.phone !== undefined) {
    const phone = phoneToE164(event.customer.phone, ctx.defaultCountry);
    if (phone.ok) {
      out.customer = { ...event.customer, phone: phone.e164 };
    } else {
      const { phone: _dropped, ...reachless } = event.customer;
      out.customer = reachless;
      phoneProblem = phone.problem;
    }
  }
  return { ok: true, value: phoneProblem ? { event: out, phoneProblem } : { event: out } };
}

function trimFields(target: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of keys) {
    const v = target[key];
    if (typeof v === 'string') target[key] = v.trim();
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
