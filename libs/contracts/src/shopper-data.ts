import { Static, TSchema, Type } from '@sinclair/typebox';
import { E164_PATTERN, STORE_ID_PATTERN } from './primitives';
import { ErasureStatusSchema } from './erasure';

const SHOPPER_DATA_SERVICE_NAMES = ['scheduler', 'sender'] as const;

// The subject access request (GDPR art. 15): `GET /v1/shoppers/{phone}/data?storeId=` on
// ingest, which asks the scheduler and the sender the same path. Each table's rows are given
// as kept, their columns in camelCase: the answer is what the product holds, not a summary.

/** Rows of one table, every column kept (camelCase). */
const rows = (description: string, required: string[] = []): TSchema =>
  Type.Array(
    Type.Object(Object.fromEntries(required.map((k) => [k, Type.Unknown()])), { additionalProperties: true }),
    { description },
  );

const storeOrEvery = Type.Union([Type.String({ pattern: STORE_ID_PATTERN }), Type.Null()], {
  description: 'The store asked about, or null: every store',
});

/** The scheduler's part: carts (with their facts), abandonments, outcomes, contacts, consent records. */
export const SchedulerShopperDataSchema = Type.Object(
  {
    carts: rows(
      "The shopper's carts (by the phone column or the phone in the facts): facts (items, name, locale, recovery URL, phone, order), state, timers",
      ['storeId', 'cartId', 'facts'],
    ),
    abandonments: rows('Closed episodes of those carts: status, reason, times, experiment arm', ['storeId', 'cartId']),
    messageOutcomes: rows("What became of each cart's messages: sent, delivered, read, failed, skipped… times", [
      'sendId',
    ]),
    linkClicks: rows("Clicks on those carts' recovery links"),
    contacts: rows('Per store: the opt-out, the frequency hold, the last send', ['storeId']),
    consentRecords: rows('Per store and channel: the latest grant or withdrawal, its source and wording', [
      'storeId',
      'state',
    ]),
  },
  { $id: 'SchedulerShopperData' },
);
export type SchedulerShopperData = Static<typeof SchedulerShopperDataSchema>;

/** The sender's part: messages with their history, frequency slots, opt-outs, suppressions, identities, limits. */
export const SenderShopperDataSchema = Type.Object(
  {
    messages: rows(
      'Every message decided for the shopper: state, reason, the text sent or the template and its parameters, status history, pricing, the send-due it came from',
      ['sendId', 'storeId', 'state', 'history'],
    ),
    contacts: rows('Frequency slots: the last message sent and the hold after it', ['storeId']),
    optOuts: rows('Opt-outs by phone: when and how (keyword, button, platform)', ['storeId', 'optedOutAt']),
    suppressions: rows(
      "Opt-outs an erasure kept by the phone's keyed hash only (found by hashing the phone asked about)",
      ['storeId', 'optedOutAt', 'note'],
    ),
    shopperIdentities: rows("The shopper's business-scoped user ids (BSUID) learnt from WhatsApp", ['storeId']),
    marketingLimits: rows("Meta's marketing limits on the shopper (131049) and until when", ['storeId']),
  },
  { $id: 'SenderShopperData' },
);
export type SenderShopperData = Static<typeof SenderShopperDataSchema>;

/** Ingest's part: the erasure requests made for the phone (kept by its keyed hash). */
export const IngestShopperDataSchema = Type.Object(
  {
    erasureRequests: Type.Array(ErasureStatusSchema, {
      description:
        'Erasure requests for the phone (at the store asked about or at every store); empty without ERASURE_HASH_KEY',
    }),
  },
  { $id: 'IngestShopperData' },
);
export type IngestShopperData = Static<typeof IngestShopperDataSchema>;

/** `GET /v1/shoppers/{phone}/data`' answer on ingest: every service's part. */
export const ShopperDataSchema = Type.Object(
  {
    phone: Type.String({ pattern: E164_PATTERN, description: 'The phone asked about (E.164)' }),
    storeId: storeOrEvery,
    generatedAt: Type.String({ format: 'date-time' }),
    ingest: IngestShopperDataSchema,
    scheduler: SchedulerShopperDataSchema,
    sender: SenderShopperDataSchema,
  },
  { $id: 'ShopperData', additionalProperties: false },
);
export type ShopperData = Static<typeof ShopperDataSchema>;

/** An access request refused: 422 with every problem of the phone and store id. */
export const ShopperDataRefusalSchema = Type.Object(
  {
    statusCode: Type.Literal(422),
    error: Type.Literal('Unprocessable Entity'),
    message: Type.Literal('invalid access request'),
    problems: Type.Array(Type.String(), { minItems: 1, description: '`field: problem`, one per problem.' }),
  },
  { $id: 'ShopperDataRefusal' },
);

/** Ingest's 502 or 503: the service whose part is missing, named. */
export const ShopperDataUnansweredSchema = Type.Object(
  {
    statusCode: Type.Union([Type.Literal(502), Type.Literal(503)]),
    error: Type.String(),
    message: Type.String(),
    service: Type.Union(SHOPPER_DATA_SERVICE_NAMES.map((s) => Type.Literal(s))),
  },
  { $id: 'ShopperDataUnanswered' },
);

/** The services ingest asks for their part. */
export const SHOPPER_DATA_SERVICES = SHOPPER_DATA_SERVICE_NAMES;
export type ShopperDataService = (typeof SHOPPER_DATA_SERVICES)[number];

export type ShopperDataQuery =
  | { ok: true; phone: string; storeId: string | null }
  /** 400: storeId given more than once; 422: a phone or store id of another shape, every problem named. */
  | { ok: false; status: 400 | 422; problems: string[] };

const E164 = new RegExp(E164_PATTERN);
const STORE_ID = new RegExp(STORE_ID_PATTERN);

/**
 * Checks an access request's path and query, in the three services alike: the phone in E.164
 * (the form every service keeps it in), `storeId` a store id or left out (every store).
 */
export function checkShopperDataQuery(phone: unknown, storeId: unknown): ShopperDataQuery {
  if (Array.isArray(storeId)) return { ok: false, status: 400, problems: ['storeId: given more than once'] };
  const problems: string[] = [];
  if (typeof phone !== 'string' || !E164.test(phone)) problems.push('phone: must be E.164 (+34600111222)');
  if (storeId !== undefined && storeId !== '' && (typeof storeId !== 'string' || !STORE_ID.test(storeId))) {
    problems.push('storeId: must match [A-Za-z0-9._-]{1,64} (or be left out: every store)');
  }
  if (problems.length) return { ok: false, status: 422, problems };
  return { ok: true, phone: phone as string, storeId: storeId ? (storeId as string) : null };
}

/** A table row as the answer shows it: its columns in camelCase, values as PostgreSQL's to_jsonb gave them. */
export function shopperDataRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => [
      column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
      value,
    ]),
  );
}
