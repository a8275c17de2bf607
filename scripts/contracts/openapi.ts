// The OpenAPI 3.1 documents of the three services (docs/api/<service>.openapi.json), as each
// service builds and serves them at /openapi.json. `npm run contracts:openapi` writes them;
// scripts/contracts/openapi.spec.ts keeps the committed files equal and validates them.
import { ingestApiDocument } from '../../apps/ingest/src/api-document';
import { schedulerApiDocument } from '../../apps/scheduler/src/api-document';
import { senderApiDocument } from '../../apps/sender/src/api-document';

export const OPENAPI_DOCUMENTS = {
  ingest: ingestApiDocument,
  scheduler: schedulerApiDocument,
  sender: senderApiDocument,
} as const;

export type ServiceName = keyof typeof OPENAPI_DOCUMENTS;

export const openApiFile = (service: ServiceName): string => `docs/api/${service}.openapi.json`;

/** The document as written to docs/api/. */
export function openApiJson(service: ServiceName): string {
  return JSON.stringify(OPENAPI_DOCUMENTS[service](), null, 2) + '\n';
}
