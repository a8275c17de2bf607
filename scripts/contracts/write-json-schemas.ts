// Regenerates libs/contracts/json-schema/*.json from the TypeBox schemas (the only source).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaDocuments } from '../../libs/contracts/src/json-schema';

const dir = join(__dirname, '../../libs/contracts/json-schema');
for (const [name, text] of Object.entries(jsonSchemaDocuments())) {
  writeFileSync(join(dir, `${name}.json`), text);
  console.log(`wrote ${name}.json`);
}
