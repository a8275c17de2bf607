import { Static, Type } from '@sinclair/typebox';
import {
  CartId,
  CurrencyCode,
  EventId,
  HttpsUrl,
  Locale,
  Money,
  SchemaVersion1,
  StoreId,
  Timestamp,
} from './primitives';

export const CART_EVENT_TYPES = ['cart.updated', 'checkout.started', 'cart.converted', 'cart.emptied'] as const;
export type CartEventType = (typeof CART_EVENT_TYPES)[number];

export const CartItemSchema = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 128 }),
    title: Type.String({ minLength: 1, maxLength: 500 }),
    quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
    unitPrice: Money,
    imageUrl: Type.Optional(HttpsUrl),
  },
  { $id: 'CartItem' },
);

export const CustomerSchema = Type.Object(
  {
    // Free-form on the way in; ingest rewrites it to E.164 or drops it.
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    firstName: Type.Optional(Type.String({ maxLength: 100 })),
    locale: Type.Optional(Locale),
    whatsappOptIn: Type.Optional(Type.Boolean()),
  },
  { $id: 'Customer' },
);

export const CONSENT_CHANNELS = ['whatsapp', 'sms', 'email'] as const;
export const CONSENT_STATES = ['granted', 'withdrawn'] as const;

/**
 * Evidence of the shopper's marketing consent on one channel, as the platform reports it: the
 * cart event's customer phone is the one it applies to (email: the shopper's email). A
 * platform without a WhatsApp consent field reports the channel it has (Shopify: `sms`); what
 * counts as consent to WhatsApp messages is the services' rule, not the contract's.
 */
export const ConsentSchema = Type.Object(
  {
    channel: Type.Union(
      CONSENT_CHANNELS.map((c) => Type.Literal(c)),
      { description: 'The channel the shopper agreed to (or withdrew from)' },
    ),
    state: Type.Union(
      CONSENT_STATES.map((s) => Type.Literal(s)),
      { description: 'granted: opted in; withdrawn: opted out' },
    ),
    source: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Who reported it, from which field (e.g. shopify:customer.sms_marketing_consent)',
    }),
    at: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'When it was given or withdrawn, as the platform reports it (RFC 3339)',
      }),
    ),
    collectedFrom: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Where the platform says it was collected' }),
    ),
    optInLevel: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'e.g. single_opt_in, confirmed_opt_in' }),
    ),
    wording: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2000, description: 'The text the shopper agreed to, when reported' }),
    ),
    wordingVersion: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'The version of that text, when reported' }),
    ),
  },
  { $id: 'Consent' },
);

/** The canonical cart event: accepted on `cart-events-raw` and HTTP, emitted normalized on `cart-events`. */
export const CartEventSchema = Type.Object(
  {
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    type: Type.Union(CART_EVENT_TYPES.map((t) => Type.Literal(t))),
    occurredAt: Timestamp,
    storeId: StoreId,
    cartId: CartId,
    customer: Type.Optional(CustomerSchema),
    items: Type.Optional(Type.Array(CartItemSchema, { maxItems: 500 })),
    currency: Type.Optional(CurrencyCode),
    total: Type.Optional(Money),
    recoveryUrl: Type.Optional(HttpsUrl),
    orderId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
    /** Consent evidence, one record per channel the platform reported (additive, optional). */
    consent: Type.Optional(Type.Array(ConsentSchema, { maxItems: 8 })),
  },
  { $id: 'CartEvent', title: 'Canonical cart event v1' },
);

export type CartItem = Static<typeof CartItemSchema>;
export type Customer = Static<typeof CustomerSchema>;
export type Consent = Static<typeof ConsentSchema>;
export type CartEvent = Static<typeof CartEventSchema>;
