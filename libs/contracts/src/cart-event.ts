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
  },
  { $id: 'CartEvent', title: 'Canonical cart event v1' },
);

export type CartItem = Static<typeof CartItemSchema>;
export type Customer = Static<typeof CustomerSchema>;
export type CartEvent = Static<typeof CartEventSchema>;
