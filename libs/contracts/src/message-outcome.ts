import { Static, Type } from '@sinclair/typebox';
import { CartId, E164Phone, SchemaVersion1, StoreId, Timestamp } from './primitives';

/**
 * `paced`: Meta took the message but holds it back (a paced template); a later `sent`/`delivered`
 * says it was released, a `failed` that Meta dropped it.
 */
export const OUTCOME_STATUSES = [
  'sent',
  'delivered',
  'read',
  'failed',
  'skipped',
  'expired',
  'deferred',
  'paced',
] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/** Outcome reasons readers count apart (the stats). */
export const OUTCOME_REASON = {
  /** A `failed` for 131049: Meta's per-user marketing limit. */
  limitedByMeta: '131049: limited-by-meta',
  /** The `sent` (or `delivered`) of a paced message Meta released while the store was closed. */
  releasedAfterClosing: 'released-after-closing',
} as const;

/** Meta's `pricing` of a message, as a status webhook reported it. */
export const OutcomePricingSchema = Type.Object(
  {
    billable: Type.Union([Type.Boolean(), Type.Null()]),
    category: Type.Union([Type.String({ maxLength: 100 }), Type.Null()], {
      description: "Meta's pricing category: marketing, utility, authentication, service…",
    }),
    type: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  },
  { description: "Meta's pricing of the message from its status webhook (absent: none reported)." },
);
export type OutcomePricing = Static<typeof OutcomePricingSchema>;

export const MessageOutcomeSchema = Type.Object(
  {
    schemaVersion: SchemaVersion1,
    sendId: Type.String({ minLength: 1, maxLength: 200 }),
    storeId: StoreId,
    cartId: CartId,
    status: Type.Union(OUTCOME_STATUSES.map((s) => Type.Literal(s))),
    reason: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    whatsappMessageId: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
    pricing: Type.Optional(OutcomePricingSchema),
    at: Timestamp,
  },
  { $id: 'MessageOutcome', title: 'Outcome event v1' },
);

export const CustomerOptedOutSchema = Type.Object(
  {
    schemaVersion: SchemaVersion1,
    type: Type.Literal('customer.opted-out'),
    storeId: StoreId,
    phone: E164Phone,
    at: Timestamp,
  },
  { $id: 'CustomerOptedOut', title: 'Opt-out event v1' },
);

export type MessageOutcome = Static<typeof MessageOutcomeSchema>;
export type CustomerOptedOut = Static<typeof CustomerOptedOutSchema>;
/** What `message-outcomes` carries: an outcome of one send, or an opt-out of one shopper. */
export type MessageOutcomesRecord = MessageOutcome | CustomerOptedOut;

export function isOptOut(record: MessageOutcomesRecord): record is CustomerOptedOut {
  return (record as CustomerOptedOut).type === 'customer.opted-out';
}
