// Builds a service's OpenAPI 3.1 document from its own paths and the routes every service
// shares (health, metrics, these documents). Request and answer schemas are the TypeBox
// schemas of libs/contracts (and libs/observability's health answers), placed in the paths as
// they are: every schema with an `$id` becomes one component, referenced wherever it is used,
// so no shape is written out twice. Pure: the services serve what this returns, and
// scripts/contracts/write-openapi.ts writes it to docs/api/.
import { Kind, type TSchema } from '@sinclair/typebox';
import { HttpErrorSchema } from '@lib/contracts';
import { HealthReportSchema, LivenessSchema } from '@lib/observability';
import { DOCS_ASSETS } from './docs-page';

export type Json = Record<string, unknown>;

/** An OpenAPI document, as far as the services' code reads one. */
export type OpenApiDocument = Json & { openapi: string; info: Json & { title: string }; paths: Record<string, Json> };

export const OPENAPI_VERSION = '3.1.1';

/** What a service says about its own HTTP API; the shared routes are added by the builder. */
export interface ServiceApi {
  service: string;
  title: string;
  description: string;
  /** The default HTTP_PORT (the local server of the document). */
  port: number;
  tags: Array<{ name: string; description: string }>;
  /** OpenAPI path items (TypeBox schemas allowed wherever a schema goes). */
  paths: Record<string, Json>;
  securitySchemes: Record<string, Json>;
}

/** The tags of the shared paths. */
const SHARED_TAGS = [
  { name: 'operations', description: 'Health, readiness and Prometheus metrics (no authentication).' },
  { name: 'documentation', description: 'This document and its browsable page (no authentication).' },
];

/** `Authorization: Bearer <key>`: one of the service's API_KEYS. */
export const PLATFORM_API_KEY_SCHEME: Json = {
  type: 'http',
  scheme: 'bearer',
  description:
    "A platform API key, one of the service's API_KEYS (comma-separated; also API_KEYS_FILE), as `Authorization: Bearer <key>`. Keys are compared as SHA-256 digests in constant time. With API_KEYS empty every call is refused.",
};

export const PLATFORM_API_KEY = [{ platformApiKey: [] }];
export const NO_AUTHENTICATION: Json[] = [];

/** An error answer in Nest's shape (HttpErrorSchema). */
export function errorAnswer(description: string, statusCode: number, error: string, message: string): Json {
  return {
    description,
    content: { 'application/json': { schema: HttpErrorSchema, example: { statusCode, message, error } } },
  };
}

/** The answer of a guarded route without a known key. */
export const API_KEY_REFUSED = { $ref: '#/components/responses/ApiKeyRefused' };

const jsonAnswer = (description: string, schema: unknown, example?: unknown): Json => ({
  description,
  content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
});

function sharedPaths(service: string): Record<string, Json> {
  const readyExample = {
    status: 'ok',
    checks: { kafka: { status: 'up', ms: 3 }, postgres: { status: 'up', ms: 1 } },
  };
  const unavailableExample = {
    status: 'unavailable',
    checks: {
      kafka: { status: 'down', error: 'kafka: authentication failed', ms: 2001 },
      postgres: { status: 'up', ms: 1 },
    },
  };
  const readiness = (operationId: string, alias: string): Json => ({
    get: {
      operationId,
      tags: ['operations'],
      summary: `Readiness (also at ${alias})`,
      description:
        'Every dependency (Kafka, PostgreSQL, the consumers’ joins) answers: 200. Otherwise 503 with the failing checks; 503 as soon as the service starts stopping (SIGTERM), so load balancers drain it first. The Kubernetes readiness probe.',
      security: NO_AUTHENTICATION,
      responses: {
        '200': jsonAnswer('Ready.', HealthReportSchema, readyExample),
        '503': jsonAnswer('Not ready: at least one check is down.', HealthReportSchema, unavailableExample),
      },
    },
  });
  const asset = (type: string) => ({ schema: { type: 'string', contentMediaType: type } });
  return {
    '/health': readiness('readiness', '/health/ready'),
    '/health/ready': readiness('readinessReady', '/health'),
    '/health/live': {
      get: {
        operationId: 'liveness',
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        description:
          'Always 200 while the process runs: restarting it would not fix a missing dependency. The Kubernetes liveness probe.',
        security: NO_AUTHENTICATION,
        responses: { '200': jsonAnswer('Alive.', LivenessSchema, { status: 'ok' }) },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description: `The ${service}'s metrics in the Prometheus text format (never cached); names and labels in docs/operations.md.`,
        security: NO_AUTHENTICATION,
        responses: {
          '200': {
            description: 'The metrics.',
            headers: { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } },
            content: {
              'text/plain; version=0.0.4; charset=utf-8': {
                schema: { type: 'string' },
                example: `# HELP kafka_consumer_lag Records behind the end of each partition\n# TYPE kafka_consumer_lag gauge\nkafka_consumer_lag{group="${service}",topic="cart-events",partition="0"} 0\n`,
              },
            },
          },
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApiDocument',
        tags: ['documentation'],
        summary: 'This OpenAPI document',
        security: NO_AUTHENTICATION,
        responses: {
          '200': {
            description: `The ${service}'s OpenAPI ${OPENAPI_VERSION} document (the one in docs/api/).`,
            content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'info', 'paths'] } } },
          },
        },
      },
    },
    '/docs': {
      get: {
        operationId: 'docsPage',
        tags: ['documentation'],
        summary: 'This document, browsable (Swagger UI)',
        description:
          "Swagger UI from the swagger-ui-dist package, served by the service itself (nothing is fetched from elsewhere), under a Content-Security-Policy that allows only the service's own scripts.",
        security: NO_AUTHENTICATION,
        responses: {
          '200': {
            description: 'The page.',
            headers: { 'Content-Security-Policy': { schema: { type: 'string' } } },
            content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } },
          },
        },
      },
    },
    '/docs/{asset}': {
      get: {
        operationId: 'docsAsset',
        tags: ['documentation'],
        summary: "The page's scripts, style sheet and icon",
        security: NO_AUTHENTICATION,
        parameters: [
          { name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: Object.keys(DOCS_ASSETS) } },
        ],
        responses: {
          '200': {
            description: 'The file.',
            content: Object.fromEntries(
              [...new Set(Object.values(DOCS_ASSETS).map((a) => a.type))].map((type) => [type, asset(type)]),
            ),
          },
          '404': errorAnswer('No such asset.', 404, 'Not Found', 'no such asset'),
        },
      },
    },
  };
}

const isTypeBox = (value: object): value is TSchema => Kind in value;

/**
 * Replaces every TypeBox schema in `value` by plain JSON Schema, each schema with an `$id`
 * (at any depth) by a `$ref` to its component. Two different schemas with one `$id` fail.
 */
export function extractSchemas(value: unknown, components: Map<string, { source: object; json: unknown }>): unknown {
  const walk = (v: unknown, root?: object): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const id = isTypeBox(o) && typeof o.$id === 'string' ? o.$id : undefined;
    if (id !== undefined && o !== root) {
      const known = components.get(id);
      if (!known) {
        components.set(id, { source: o, json: undefined });
        components.get(id)!.json = walk(o, o);
      } else if (known.source !== o && JSON.stringify(known.source) !== JSON.stringify(o)) {
        throw new Error(`two different schemas have the $id ${id}`);
      }
      return { $ref: `#/components/schemas/${id}` };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) if (!(k === '$id' && isTypeBox(o))) out[k] = walk(x);
    return isTypeBox(o) ? prefixItemsOfTuple(out) : out;
  };
  return walk(value);
}

/**
 * TypeBox writes a tuple in draft-07 terms (`items: [...]`, `additionalItems`); OpenAPI 3.1
 * reads JSON Schema 2020-12, where a tuple is `prefixItems` and `items: false`.
 */
export function prefixItemsOfTuple(schema: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(schema.items)) return schema;
  const { items, additionalItems: _additional, ...rest } = schema;
  return { ...rest, prefixItems: items, items: false };
}

/** The service's whole OpenAPI document. */
export function openApiDocument(api: ServiceApi): OpenApiDocument {
  const components = new Map<string, { source: object; json: unknown }>();
  const paths = extractSchemas({ ...api.paths, ...sharedPaths(api.service) }, components) as Json;
  const responses = extractSchemas(
    {
      ApiKeyRefused: errorAnswer(
        'No API key, or one that is not among API_KEYS.',
        401,
        'Unauthorized',
        'missing or unknown API key (Authorization: Bearer <key>)',
      ),
    },
    components,
  ) as Json;
  const schemas = Object.fromEntries(
    [...components.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, c]) => [id, c.json]),
  );
  const usesApiKey = JSON.stringify(paths).includes('"platformApiKey"');
  return {
    openapi: OPENAPI_VERSION,
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: api.title,
      version: '1.0.0',
      description: [
        api.description,
        `Generated from the service's routes and libs/contracts by \`npm run contracts:openapi\`; do not edit docs/api/${api.service}.openapi.json by hand. The running service serves it at \`/openapi.json\` and as a page at \`/docs\`.`,
      ].join('\n\n'),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      { url: '/', description: 'The service that serves this document.' },
      {
        url: `http://localhost:${api.port}`,
        description: `A local ${api.service} (HTTP_PORT ${api.port}, its default).`,
      },
    ],
    tags: [...api.tags, ...SHARED_TAGS],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))) as Record<string, Json>,
    components: {
      schemas,
      ...(usesApiKey ? { responses } : {}),
      securitySchemes: { ...(usesApiKey ? { platformApiKey: PLATFORM_API_KEY_SCHEME } : {}), ...api.securitySchemes },
    },
  };
}
