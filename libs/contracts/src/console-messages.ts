// The merchant console's recent messages (`GET /console/api/stores/{storeId}/messages`, the
// sender's, forwarded by ingest): what a merchant may see of each message. Kept beside http.ts
// as its own file; the OpenAPI documents show it as JSON Schema.
import { Static, Type } from '@sinclair/typebox';
import { OUTCOME_STATUSES } from './message-outcome';
import { StoreId, Timestamp } from './primitives';

/** A message's states in the sender: every outcome's, the one before any (sending), and unknown. */
export const CONSOLE_MESSAGE_STATES = ['sending', ...OUTCOME_STATUSES, 'unknown'] as const;

/** Why a message was skipped, deferred, expired or failed, as a code the console translates. */
export const CONSOLE_REASON_CODES = [
  // skipped
  'unknown-store',
  'disabled',
  'opted-out',
  'converted',
  'emptied',
  'market-blocked',
  'frequency-cap',
  // deferred
  'outside-opening-hours',
  'not-yet-due',
  'store-paused',
  // expired
  'not-after-passed',
  'no-opening-before-not-after',
  // paced (Meta's message_status for a paced template)
  'held-for-quality-assessment',
  'delivery-paused',
  // failed
  'render-error',
  'limited-by-meta',
  'undeliverable',
  'retries-exhausted',
  'whatsapp-error',
  'no-answer-after-crash',
  'other',
] as const;
export type ConsoleReasonCode = (typeof CONSOLE_REASON_CODES)[number];

const State = Type.Union(
  CONSOLE_MESSAGE_STATES.map((s) => Type.Literal(s)),
  { description: "The message's state in the sender (docs/sender.md)." },
);
const Reason = Type.Union(
  CONSOLE_REASON_CODES.map((r) => Type.Literal(r)),
  {
    description:
      "Why, as a code (the stored reason can be Meta's free text and is never shown as it is): a skip, deferral, expiry or failure reason; whatsapp-error with errorCode for a Graph API refusal; other for one without words.",
  },
);

export const ConsoleMessageSchema = Type.Object(
  {
    sendId: Type.String(),
    cartId: Type.String(),
    phone: Type.String({ description: 'Masked: the country code and the last three digits (+34******222).' }),
    state: State,
    reason: Type.Union([Reason, Type.Null()]),
    errorCode: Type.Union([Type.Integer(), Type.Null()], { description: "The Graph API's error code, if any." }),
    history: Type.Array(
      Type.Object(
        {
          status: State,
          at: Timestamp,
          reason: Type.Optional(Reason),
          code: Type.Optional(Type.Integer()),
        },
        { additionalProperties: false },
      ),
      { description: 'Every step of its life, oldest first, with its time.' },
    ),
    text: Type.Union([Type.String(), Type.Null()], {
      description: 'The text sent (text mode); null in template mode, or once the retention blanked it.',
    }),
    templateName: Type.Union([Type.String(), Type.Null()], { description: "The approved template's name." }),
    locale: Type.Union([Type.String(), Type.Null()]),
    decidedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type ConsoleMessage = Static<typeof ConsoleMessageSchema>;

export const ConsoleMessagesSchema = Type.Object(
  {
    storeId: StoreId,
    messages: Type.Array(ConsoleMessageSchema, { description: 'Newest first (by decision time).' }),
  },
  { $id: 'ConsoleMessages', additionalProperties: false },
);
export type ConsoleMessages = Static<typeof ConsoleMessagesSchema>;
