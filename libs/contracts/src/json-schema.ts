import { PUBLISHED_SCHEMAS } from './contracts';

/** The JSON Schema documents published for platforms, keyed by file name (without `.json`). */
export function jsonSchemaDocuments(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS)) {
    const doc = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...JSON.parse(JSON.stringify(schema)) };
    out[name] = JSON.stringify(doc, null, 2) + '\n';
  }
  return out;
}
