export { createServiceApp, runService } from './run-service';
export type { ServiceDefinition, ServiceParts } from './run-service';
export { ApiKeyGuard, ApiKeys } from './api-key.guard';
export { ApiDocsModule } from './api-docs/api-docs.module';
export {
  API_KEY_REFUSED,
  errorAnswer,
  extractSchemas,
  prefixItemsOfTuple,
  NO_AUTHENTICATION,
  OPENAPI_VERSION,
  openApiDocument,
  PLATFORM_API_KEY,
} from './api-docs/openapi-document';
export type { Json, OpenApiDocument, ServiceApi } from './api-docs/openapi-document';
export { DOCS_ASSETS, DOCS_CONTENT_SECURITY_POLICY } from './api-docs/docs-page';
export { inputRefusal, unprocessable } from './input-refusal';
export { SHOPPER_DATA_EXAMPLES, SHOPPER_DATA_PATH, shopperDataOperation } from './api-docs/shopper-data-operation';
