import Ajv2020 from 'ajv/dist/2020';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import * as contracts from '@lib/contracts';
import { HealthReportSchema, LivenessSchema } from '@lib/observability';
import { prefixItemsOfTuple } from '@lib/runtime';
import { OPENAPI_DOCUMENTS, openApiFile, openApiJson, type ServiceName } from './openapi';

const root = join(__dirname, '../..');
const services = Object.keys(OPENAPI_DOCUMENTS) as ServiceName[];
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The contracts' JSON with tuples as 2020-12 writes them (as the documents do). */
const as2020 = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(as2020);
  if (v === null || typeof v !== 'object') return v;
  return prefixItemsOfTuple(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, as2020(x)])));
};

const read = (service: ServiceName): Json => JSON.parse(readFileSync(join(root, openApiFile(service)), 'utf8'));

function operations(doc: Json): Array<{ path: string; method: string; op: Json }> {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] })),
  );
}

/** Every media type object (request bodies, answers) with its schema and examples. */
function mediaTypes(doc: Json): Array<{ where: string; schema: unknown; examples: unknown[] }> {
  const out: Array<{ where: string; schema: unknown; examples: unknown[] }> = [];
  const answers = (where: string, responses: Record<string, Json>) => {
    for (const [status, r] of Object.entries(responses)) {
      const answer = r.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r;
      for (const [type, m] of Object.entries((answer.content ?? {}) as Record<string, Json>))
        collect(`${where} ${status} ${type}`, m);
    }
  };
  const collect = (where: string, m: Json) =>
    out.push({
      where,
      schema: m.schema,
      examples: [
        ...('example' in m ? [m.example] : []),
        ...Object.values((m.examples ?? {}) as Record<string, Json>).map((e) => e.value),
      ],
    });
  for (const { path, method, op } of operations(doc)) {
    for (const [type, m] of Object.entries((op.requestBody?.content ?? {}) as Record<string, Json>))
      collect(`${method.toUpperCase()} ${path} body ${type}`, m);
    answers(`${method.toUpperCase()} ${path}`, op.responses);
  }
  return out;
}

describe.each(services)('docs/api/%s.openapi.json', (service) => {
  const doc = read(service);

  it('is what the service builds and serves (run `npm run contracts:openapi` after a change)', () => {
    expect(readFileSync(join(root, openApiFile(service)), 'utf8')).toBe(openApiJson(service));
  });

  it('names a security scheme on every operation: none only for health, metrics, the documents and the console page', () => {
    const open = new Set([
      ...['/health', '/health/ready', '/health/live', '/metrics', '/openapi.json', '/docs', '/docs/{asset}'],
      // The console's page and files: its token is in the link's fragment, read by the page.
      ...['/console', '/console/assets/{file}'],
      // A message's link: the shopper taps it; its token is signed (LINK_SIGNING_KEYS).
      '/r/{token}',
    ]);
    for (const { path, method, op } of operations(doc)) {
      expect({ path, method, security: Array.isArray(op.security) }).toEqual({ path, method, security: true });
      if (open.has(path)) expect(op.security).toEqual([]);
      else {
        expect(op.security.length).toBeGreaterThan(0);
        for (const requirement of op.security)
          for (const name of Object.keys(requirement))
            expect(Object.keys(doc.components.securitySchemes)).toContain(name);
      }
    }
  });

  it('gives every operation an id, a success and, where anything can be refused, error answers with their shape', () => {
    const ids = operations(doc).map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations(doc)) {
      const statuses = Object.keys(op.responses);
      expect({
        path,
        method,
        success: statuses.some((s) => /^2/.test(s) || (s === '302' && path === '/r/{token}')),
      }).toEqual({ path, method, success: true });
      if (op.security.length) {
        // Guarded: the refusal is documented with its body.
        const refusal = op.responses['401'] ?? op.responses['403'];
        expect({ path, method, refusal: Boolean(refusal) }).toEqual({ path, method, refusal: true });
      }
      for (const s of statuses.filter((x) => /^[45]/.test(x))) {
        const answer = op.responses[s].$ref
          ? doc.components.responses[op.responses[s].$ref.split('/').pop()]
          : op.responses[s];
        expect({ path, method, s, body: Boolean(answer.content) }).toEqual({ path, method, s, body: true });
      }
    }
  });

  it('takes its schemas from libs/contracts unchanged: each component is the contract schema of that $id', () => {
    const byId = new Map<string, object>();
    for (const v of [...Object.values(contracts), HealthReportSchema, LivenessSchema])
      if (v && typeof v === 'object' && typeof (v as { $id?: unknown }).$id === 'string')
        byId.set((v as { $id: string }).$id, v);
    // A component, with its references to other components put back inline, is the contract's JSON Schema.
    const inline = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(inline);
      if (v === null || typeof v !== 'object') return v;
      const o = v as Json;
      if (typeof o.$ref === 'string' && o.$ref.startsWith('#/components/schemas/')) {
        const id = o.$ref.split('/').pop()!;
        return { $id: id, ...(inline(doc.components.schemas[id]) as Json) };
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, inline(x)]));
    };
    for (const [id, schema] of Object.entries(doc.components.schemas as Record<string, unknown>)) {
      const source = byId.get(id);
      expect({ id, fromContracts: Boolean(source) }).toEqual({ id, fromContracts: true });
      expect({ $id: id, ...(inline(schema) as Json) }).toEqual(as2020(JSON.parse(JSON.stringify(source))));
    }
    if (service === 'ingest') {
      // The published event schema is the body the cart-events API takes.
      const published = JSON.parse(readFileSync(join(root, 'libs/contracts/json-schema/cart-event.v1.json'), 'utf8'));
      const { $schema: _s, ...cartEvent } = published;
      expect(inline({ $ref: '#/components/schemas/CartEvent' })).toEqual(cartEvent);
    }
  });

  it('has examples that match their schemas, as JSON Schema 2020-12 reads the document', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ ...doc, $id: 'https://cart-recovery.example/doc.json' });
    const rewrite = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(rewrite)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v).map(([k, x]) => [
                k,
                k === '$ref' && typeof x === 'string' ? `https://cart-recovery.example/doc.json${x}` : rewrite(x),
              ]),
            )
          : v;
    let checked = 0;
    for (const m of mediaTypes(doc)) {
      if (!m.schema) continue;
      const validate = ajv.compile(rewrite(m.schema) as object);
      for (const example of m.examples) {
        checked++;
        const ok = validate(example);
        expect({ where: m.where, errors: ok ? null : validate.errors }).toEqual({ where: m.where, errors: null });
      }
    }
    expect(checked).toBeGreaterThan(service === 'ingest' ? 15 : 4);
  });

  it('has examples the contracts accept (TypeBox, formats included)', () => {
    for (const m of mediaTypes(doc)) {
      const ref = (m.schema as { $ref?: string } | undefined)?.$ref;
      const id = ref?.split('/').pop();
      const schema = id && Object.values(contracts).find((v) => (v as { $id?: string } | null)?.$id === id);
      if (!schema || id === 'HttpError') continue;
      for (const example of m.examples)
        expect({ where: m.where, ok: Value.Check(schema as never, example) }).toEqual({ where: m.where, ok: true });
    }
  });
});

describe('the OpenAPI validator (@seriousme/openapi-schema-validator)', () => {
  // An ES module: run in its own Node process rather than through jest's CommonJS loader.
  const validate = (files: Record<string, string>): Record<string, { valid: boolean; errors?: unknown }> =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { Validator } from '@seriousme/openapi-schema-validator';
           import { readFileSync } from 'node:fs';
           const files = JSON.parse(readFileSync(0, 'utf8')); const out = {};
           for (const [name, text] of Object.entries(files)) out[name] = await new Validator().validate(JSON.parse(text));
           console.log(JSON.stringify(out));`,
        ],
        { cwd: root, encoding: 'utf8', input: JSON.stringify(files) },
      ),
    );

  it('accepts each document as OpenAPI 3.1, references resolved', () => {
    const files = Object.fromEntries(services.map((s) => [s, readFileSync(join(root, openApiFile(s)), 'utf8')]));
    const results = validate(files);
    for (const s of services) expect({ s, ...results[s] }).toEqual({ s, valid: true });
  }, 60_000);

  it('refuses a broken document (an answer without description, a reference to nothing)', () => {
    const broken = read('scheduler');
    delete broken.paths['/v1/stores/{storeId}/stats'].get.responses['200'].description;
    const dangling = read('sender');
    dangling.paths['/v1/webhooks/whatsapp'].post.responses['200'].content['application/json'].schema = {
      $ref: '#/components/schemas/Nothing',
    };
    const results = validate({ broken: JSON.stringify(broken), dangling: JSON.stringify(dangling) });
    expect(results.broken.valid).toBe(false);
    expect(results.dangling.valid).toBe(false);
  }, 60_000);
});
