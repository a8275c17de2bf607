import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NativeContext, PlatformAdapter, PlatformWebhooks, RequestHeaders, Translated } from './platform-adapter';

/**
 * Shopify's webhook payloads (REST shapes of `checkouts/create`, `checkouts/update`,
 * `orders/create`) → canonical cart events. The checkout token is the cart: every checkout
 * webhook and the order that completes it name it (`token`, `checkout_token`).
 * See docs/ingest.md (Shopify) for the mapping and its limits.
 */
export const SHOPIFY_TOPICS = ['checkouts/create', 'checkouts/update', 'checkouts/delete', 'orders/create'] as const;

type Json = Record<string, unknown>;

export const shopify: PlatformAdapter = {
  source: 'shopify',
  topics: SHOPIFY_TOPICS,
  translate(payload: unknown, ctx: NativeContext): Translated {
    if (!isObject(payload))
      return { kind: 'rejected', reason: 'invalid-shape', error: 'Shopify payload is not an object' };
    if (!ctx.storeId) return { kind: 'rejected', reason: 'invalid-id', error: 'Shopify payload without a store id' };
    const topic = ctx.topic ?? inferTopic(payload);
    switch (topic) {
      case 'checkouts/create':
      case 'checkouts/update':
        return checkoutEvent(payload, { ...ctx, storeId: ctx.storeId });
      case 'checkouts/delete':
        return checkoutDeleted(payload, { ...ctx, storeId: ctx.storeId });
      case 'orders/create':
        return orderEvent(payload, ctx.storeId);
      default:
        return { kind: 'ignored', why: `Shopify topic ${topic ?? '(none)'} carries no cart event` };
    }
  },
  webhooks: {
    verify: verifyShopifyHmac,
    topicOf: (headers) => header(headers, 'x-shopify-topic'),
    deliveryIdOf: (headers) => header(headers, 'x-shopify-webhook-id'),
    eventIdOf: (headers) => header(headers, 'x-shopify-event-id'),
    triggeredAtOf: (headers) => header(headers, 'x-shopify-triggered-at'),
    cartIdOf: (payload) =>
      isObject(payload) ? (text(payload.checkout_token) ?? text(payload.token) ?? undefined) : undefined,
  } satisfies PlatformWebhooks,
};

/**
 * `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body bytes with the shop's
 * webhook secret. Compared as bytes in constant time; a re-serialized body would not match.
 */
export function verifyShopifyHmac(rawBody: Buffer, headers: RequestHeaders, secret: string) {
  const presented = header(headers, 'x-shopify-hmac-sha256');
  if (!presented) return 'missing' as const;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(presented.trim(), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? ('valid' as const)
    : ('invalid' as const);
}

function header(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined || first === '' ? undefined : first;
}

/** Records on `cart-events-raw` may come without the topic header: orders name their checkout. */
function inferTopic(payload: Json): string | undefined {
  if ('checkout_token' in payload || 'order_number' in payload) return 'orders/create';
  if ('token' in payload && 'abandoned_checkout_url' in payload) return 'checkouts/update';
  return undefined;
}

/**
 * The canonical event id of a Shopify fact: the one home of Shopify deduplication.
 *
 * A checkout's state is named by its token and `updated_at`, which every delivery of one
 * merchant action carries alike: Shopify's retries (one `X-Shopify-Webhook-Id` each), the
 * deliveries to each subscription and topic (one `X-Shopify-Event-Id` for all of them), and the
 * reconciliation poll's reading of the same checkout (which has neither header). So all of them
 * make one event id and the scheduler drops every copy after the first. The time is compared
 * as an instant (REST writes `-05:00`, GraphQL `Z`). Only a payload without `updated_at` falls
 * back to the headers: the Event-Id, else the Webhook-Id.
 */
export function shopifyEventId(
  fact:
    | { kind: 'checkout'; token: string; updatedAt: string | undefined }
    | { kind: 'order'; orderId: string }
    | { kind: 'checkout-deleted'; token: string },
  delivery: Pick<NativeContext, 'deliveryId' | 'platformEventId'> = { deliveryId: undefined },
): string {
  switch (fact.kind) {
    case 'order':
      return `shopify:order:${fact.orderId}`;
    case 'checkout-deleted':
      // Sorts after every state of the checkout: a deletion dated like its last update wins the tie.
      return `shopify:checkout:${fact.token}:deleted`;
    case 'checkout': {
      if (fact.updatedAt !== undefined) return `shopify:checkout:${fact.token}:${instant(fact.updatedAt)}`;
      if (delivery.platformEventId) return `shopify:event:${delivery.platformEventId}`;
      if (delivery.deliveryId) return `shopify:delivery:${delivery.deliveryId}`;
      return `shopify:checkout:${fact.token}:`;
    }
  }
}

/** An RFC 3339 time as the UTC instant it names; text that is no time stays as it is. */
function instant(time: string): string {
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : time;
}

function checkoutEvent(c: Json, ctx: NativeContext & { storeId: string }): Translated {
  const token = text(c.token);
  if (!token) return { kind: 'rejected', reason: 'invalid-id', error: 'Shopify checkout without a token' };
  const updatedAt = text(c.updated_at);
  // The payload's time first: the poll reads the same state without any header.
  const occurredAt = updatedAt ?? ctx.triggeredAt ?? text(c.created_at);
  const money = moneyOf(c, 'total_price');
  const completed = text(c.completed_at) !== undefined;
  const storeId = ctx.storeId;
  return {
    kind: 'event',
    candidate: compact({
      schemaVersion: 1,
      eventId: shopifyEventId({ kind: 'checkout', token, updatedAt }, ctx),
      // A checkout the shopper is filling in is checkout activity; a completed one is the order.
      type: completed ? 'cart.converted' : 'checkout.started',
      occurredAt,
      storeId,
      cartId: token,
      customer: customerOf(c),
      items: lineItemsOf(c.line_items),
      currency: money.currency,
      total: money.amount,
      recoveryUrl: httpsUrl(c.abandoned_checkout_url),
      orderId: completed ? (idText(c.order_id) ?? null) : null,
      consent: consentOf(c, updatedAt),
    }),
  };
}

/**
 * A deleted checkout ends its cart: `cart.emptied`, the contract's end of a cart without an
 * order, so the scheduler cancels its abandonment and no message goes. Since API 2026-04 the
 * payload names the checkout by `token` (older versions sent only the numeric `id`, which no
 * other event carries: such a delete is ignored).
 */
function checkoutDeleted(c: Json, ctx: NativeContext & { storeId: string }): Translated {
  const token = text(c.token);
  if (!token) return { kind: 'ignored', why: 'Shopify checkouts/delete without a token: no cart to end' };
  return {
    kind: 'event',
    candidate: compact({
      schemaVersion: 1,
      eventId: shopifyEventId({ kind: 'checkout-deleted', token }),
      type: 'cart.emptied',
      // When the checkout was deleted: Shopify's stamp of the action, else the payload's last change.
      occurredAt: ctx.triggeredAt ?? text(c.updated_at),
      storeId: ctx.storeId,
      cartId: token,
    }),
  };
}

function orderEvent(o: Json, storeId: string): Translated {
  const checkoutToken = text(o.checkout_token);
  if (!checkoutToken) return { kind: 'ignored', why: 'Shopify order without checkout_token: no cart to close' };
  const orderId = gidNumber(o.admin_graphql_api_id) ?? idText(o.id) ?? text(o.name);
  const money = moneyOf(o, 'total_price');
  return {
    kind: 'event',
    candidate: compact({
      schemaVersion: 1,
      eventId: shopifyEventId({ kind: 'order', orderId: orderId ?? checkoutToken }),
      type: 'cart.converted',
      occurredAt: text(o.processed_at) ?? text(o.created_at),
      storeId,
      cartId: checkoutToken,
      customer: customerOf(o),
      items: lineItemsOf(o.line_items),
      currency: money.currency,
      total: money.amount,
      orderId: orderId ?? null,
      consent: consentOf(o, text(o.updated_at)),
    }),
  };
}

/**
 * The phone most likely to reach the shopper: the one given for SMS marketing, the
 * checkout's, the customer's, then shipping and billing addresses.
 */
function customerOf(p: Json): Json | undefined {
  const customer = isObject(p.customer) ? p.customer : {};
  const shipping = isObject(p.shipping_address) ? p.shipping_address : {};
  const billing = isObject(p.billing_address) ? p.billing_address : {};
  const phone = firstText(p.sms_marketing_phone, p.phone, customer.phone, shipping.phone, billing.phone);
  const firstName = firstText(customer.first_name, shipping.first_name, billing.first_name);
  const locale = text(p.customer_locale);
  const out = compact({ phone, firstName, locale, whatsappOptIn: whatsappOptIn(p, customer) });
  return phone || firstName ? out : undefined;
}

/**
 * Shopify has no WhatsApp consent. Its SMS marketing consent is the closest (same phone,
 * same channel kind); email marketing consent (`buyer_accepts_marketing`) is not taken as
 * consent to be messaged on the phone.
 */
function whatsappOptIn(p: Json, customer: Json): boolean {
  const sms = isObject(customer.sms_marketing_consent) ? customer.sms_marketing_consent : undefined;
  if (sms && typeof sms.state === 'string') return sms.state === 'subscribed';
  return p.buyer_accepts_sms_marketing === true;
}

/** Shopify's marketing states (`sms_marketing_consent.state`, `email_marketing_consent.state`) that are evidence. */
const CONSENT_STATE: Readonly<Record<string, 'granted' | 'withdrawn'>> = {
  subscribed: 'granted',
  unsubscribed: 'withdrawn',
  // The shopper's data was erased at their request: never read it as consent.
  redacted: 'withdrawn',
};

/**
 * Consent evidence as Shopify reports it, one record per channel (docs/ingest.md, Consent):
 * the customer's `sms_marketing_consent` / `email_marketing_consent` (state, level, time,
 * where collected; orders also carry them at the top level), else the checkout's boxes
 * `buyer_accepts_sms_marketing` / `buyer_accepts_marketing`, dated by the checkout. An
 * unticked box, `not_subscribed`, `pending` and `invalid` are no evidence either way; the
 * deprecated `accepts_marketing` is not read. Shopify has no WhatsApp consent, and reports
 * no wording.
 */
function consentOf(p: Json, checkoutTime: string | undefined): Json[] | undefined {
  const customer = isObject(p.customer) ? p.customer : {};
  const records = [
    marketingConsent(p, customer, 'sms', 'sms_marketing_consent', 'buyer_accepts_sms_marketing', checkoutTime),
    marketingConsent(p, customer, 'email', 'email_marketing_consent', 'buyer_accepts_marketing', checkoutTime),
  ].filter((r): r is Json => r !== undefined);
  return records.length ? records : undefined;
}

function marketingConsent(
  p: Json,
  customer: Json,
  channel: 'sms' | 'email',
  field: string,
  checkbox: string,
  checkoutTime: string | undefined,
): Json | undefined {
  const [where, given] = isObject(customer[field])
    ? [`customer.${field}`, customer[field] as Json]
    : isObject(p[field])
      ? [field, p[field] as Json]
      : [undefined, undefined];
  if (where && given) {
    const state = typeof given.state === 'string' ? CONSENT_STATE[given.state.toLowerCase()] : undefined;
    if (!state) return undefined;
    return compact({
      channel,
      state,
      source: `shopify:${where}`,
      at: text(given.consent_updated_at),
      collectedFrom: text(given.consent_collected_from),
      optInLevel: text(given.opt_in_level),
    });
  }
  if (p[checkbox] !== true) return undefined;
  return compact({ channel, state: 'granted', source: `shopify:checkout.${checkbox}`, at: checkoutTime });
}

function lineItemsOf(value: unknown): Json[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isObject).map((line) => {
    const title = text(line.title) ?? text(line.name);
    const variant = text(line.variant_title);
    return compact({
      sku: firstText(line.sku, idText(line.variant_id), idText(line.product_id), line.key),
      title: variant && title && !title.includes(variant) ? `${title} - ${variant}` : title,
      quantity: line.quantity,
      unitPrice: moneyOf(line, 'price').amount,
      imageUrl: httpsUrl(line.image_url),
    });
  });
}

/**
 * Shopify gives amounts in the shop's currency (`total_price`, `currency`) and, on newer
 * payloads, in the shopper's (`total_price_set.presentment_money`). The shopper's wins: the
 * message should show what they saw.
 */
function moneyOf(p: Json, field: string): { amount: unknown; currency: string | undefined } {
  const set = p[`${field}_set`];
  const presentment = isObject(set) && isObject(set.presentment_money) ? set.presentment_money : undefined;
  if (presentment && presentment.amount !== undefined) {
    return { amount: presentment.amount, currency: text(presentment.currency_code) ?? text(p.presentment_currency) };
  }
  return { amount: p[field], currency: text(p.currency) };
}

/** Shopify sometimes writes protocol-relative image URLs ("//cdn.shopify.com/…"). */
function httpsUrl(value: unknown): string | undefined {
  const url = text(value);
  if (!url) return undefined;
  if (url.startsWith('//')) return `https:${url}`;
  return url.startsWith('https://') ? url : undefined;
}

/** Ids above 2^53 lose digits as JSON numbers; the GraphQL id carries them as text. */
function gidNumber(value: unknown): string | undefined {
  const match = typeof value === 'string' ? /\/(\d+)$/.exec(value) : null;
  return match ? match[1] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return text(value);
}

function firstText(...values: unknown[]): string | undefined {
  for (const v of values) {
    const t = text(v);
    if (t) return t;
  }
  return undefined;
}

function compact(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
