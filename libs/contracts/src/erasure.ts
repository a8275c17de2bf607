import { Static, Type } from '@sinclair/typebox';
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
