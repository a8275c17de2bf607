export { createServiceApp, runService } from './run-service';
export type { ServiceDefinition, ServiceParts } from './run-service';
export { ApiKeyGuard, ApiKeys } from './api-key.guard';
