// Regenerates docs/api/<service>.openapi.json from the services' routes and libs/contracts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OPENAPI_DOCUMENTS, openApiFile, openApiJson, type ServiceName } from './openapi';

for (const service of Object.keys(OPENAPI_DOCUMENTS) as ServiceName[]) {
  const file = join(__dirname, '../..', openApiFile(service));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, openApiJson(service));
  console.log(`wrote ${file}`);
}
