import { Static, Type } from '@sinclair/typebox';
import { CartItemSchema } from './cart-event';
import {
  CartId,
  CurrencyCode,
  E164Phone,
  HttpsUrl,
  Locale,
  Money,
  SchemaVersion1,
  StoreId,
  Timestamp,
} from './primitives';

export const SendDueSchema = Type.Object(
  {
    schemaVersion: SchemaVersion1,
    /** Stable: the same due message always carries the same sendId, so re-emissions can be dropped. */
    sendId: Type.String({ minLength: 1, maxLength: 200 }),
    storeId: StoreId,
    cartId: CartId,
    customer: Type.Object({
      phone: E164Phone,
      firstName: Type.Optional(Type.String({ maxLength: 100 })),
      locale: Type.Optional(Locale),
    }),
    items: Type.Array(CartItemSchema, { minItems: 1, maxItems: 500 }),
    currency: Type.Optional(CurrencyCode),
    total: Type.Optional(Money),
    recoveryUrl: HttpsUrl,
    detectedAt: Timestamp,
    dueAt: Timestamp,
    notAfter: Timestamp,
    /** The A/B variant the shopper was drawn into (experiments.variants); absent: the store's own message. */
    variant: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' })),
  },
  { $id: 'SendDue', title: 'Send-due event v1' },
);

export type SendDue = Static<typeof SendDueSchema>;
