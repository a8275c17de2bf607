import { Static, Type } from '@sinclair/typebox';
import { erasureCompletionKey } from './keys';
import { E164Phone, SchemaVersion1, StoreId, Timestamp } from './primitives';

/** The services that erase a shopper's data and report it on `erasure-completions`. */
export const ERASING_SERVICES = ['ingest', 'scheduler', 'sender'] as const;
export type ErasingService = (typeof ERASING_SERVICES)[number];

/** An erasure request id: a UUID, as ingest answers it. */
export const ERASURE_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const ErasureId = Type.String({ pattern: ERASURE_ID_PATTERN, description: 'Erasure request id (UUID)' });

/**
 * Erase everything the product holds about one shopper (GDPR art. 17): the phone at one store,
 * or at every store when `storeId` is null. Written by ingest's `POST /v1/erasure-requests`.
 */
export const ErasureRequestSchema = Type.Object(
  {
    schemaVersion: SchemaVersion1,
    id: ErasureId,
    phone: E164Phone,
    storeId: Type.Union([StoreId, Type.Null()], { description: 'The store, or null: every store' }),
    requestedAt: Timestamp,
  },
  { $id: 'ErasureRequest', title: 'Erasure request v1' },
);

/** One service has erased what an erasure request names (its rows, for good). */
export const ErasureCompletionSchema = Type.Object(
  {
    schemaVersion: SchemaVersion1,
    id: ErasureId,
    service: Type.Union(ERASING_SERVICES.map((s) => Type.Literal(s))),
    completedAt: Timestamp,
  },
  { $id: 'ErasureCompletion', title: 'Erasure completion v1' },
);

export type ErasureRequest = Static<typeof ErasureRequestSchema>;
export type ErasureCompletion = Static<typeof ErasureCompletionSchema>;

/** What a service produces on `erasure-completions` once it erased what request `id` names. */
export function erasureCompletionRecord(
  id: string,
  service: ErasingService,
  completedAt: Date,
): { key: string; value: string } {
  const completion: ErasureCompletion = { schemaVersion: 1, id, service, completedAt: completedAt.toISOString() };
  return { key: erasureCompletionKey(id), value: JSON.stringify(completion) };
}

/** `POST /v1/erasure-requests`' body: the shopper's phone, and the store (left out: every store). */
export const ErasureRequestInputSchema = Type.Object(
  {
    phone: E164Phone,
    storeId: Type.Optional(StoreId),
  },
  { $id: 'ErasureRequestInput', additionalProperties: false },
);
export type ErasureRequestInput = Static<typeof ErasureRequestInputSchema>;

/** `POST /v1/erasure-requests`' 202: the request's id, for `GET /v1/erasure-requests/{id}`. */
export const ErasureAcceptedSchema = Type.Object({ id: ErasureId }, { $id: 'ErasureAccepted' });
export type ErasureAccepted = Static<typeof ErasureAcceptedSchema>;

const completedAt = (service: ErasingService) =>
  Type.Union([Timestamp, Type.Null()], { description: `When ${service} erased the shopper (null: not yet)` });

/** A request's state: `done` once every service reported its completion. */
export const ErasureStatusSchema = Type.Object(
  {
    id: ErasureId,
    storeId: Type.Union([StoreId, Type.Null()], { description: 'The store, or null: every store' }),
    requestedAt: Timestamp,
    status: Type.Union([Type.Literal('pending'), Type.Literal('done')]),
    services: Type.Object(
      {
        ingest: completedAt('ingest'),
        scheduler: completedAt('scheduler'),
        sender: completedAt('sender'),
      } satisfies Record<ErasingService, unknown>,
      { additionalProperties: false },
    ),
  },
  { $id: 'ErasureStatus', additionalProperties: false },
);
export type ErasureStatus = Static<typeof ErasureStatusSchema>;

/** `POST /v1/erasure-requests`' 422: every problem of the body at once. */
export const ErasureRefusalSchema = Type.Object(
  {
    statusCode: Type.Literal(422),
    error: Type.Literal('Unprocessable Entity'),
    message: Type.Literal('invalid erasure request'),
    problems: Type.Array(Type.String(), { minItems: 1, description: '`field: problem`, one per problem.' }),
  },
  { $id: 'ErasureRefusal' },
);
