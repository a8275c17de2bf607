// The scheduler's OpenAPI document (docs/api/scheduler.openapi.json, served at /openapi.json):
// the stats API. The answer's schema is the contracts'; its example is made by storeStatsOf.
import { SchedulerShopperDataSchema, STORE_ID_PATTERN, StoreStatsSchema } from '@lib/contracts';
import {
  API_KEY_REFUSED,
  errorAnswer,
  type Json,
  openApiDocument,
  type OpenApiDocument,
  PLATFORM_API_KEY,
  SHOPPER_DATA_EXAMPLES,
  SHOPPER_DATA_PATH,
  shopperDataOperation,
} from '@lib/runtime';
import { schedulerEnv } from './config';
import { MAX_WINDOW_DAYS, storeStatsOf } from './stats/store-stats';

const window = (name: 'from' | 'to', description: string): Json => ({
  name,
  in: 'query',
  required: false,
  description: `${description} An RFC 3339 date (\`2026-11-01\`, midnight UTC) or date-time with offset.`,
  schema: {
    type: 'string',
    anyOf: [{ format: 'date' }, { format: 'date-time' }],
  },
  example: name === 'from' ? '2026-11-01' : '2026-12-01T00:00:00Z',
});

export function schedulerApiDocument(): OpenApiDocument {
  // The stats, for the platform (API key) or the merchant's console (console token, docs/console.md).
  const statsOperation = (operationId: string, security: Json[], refusals: Record<string, Json>): Json => ({
    operationId,
    tags: ['stats'],
    summary: "A store's recovery stats",
    description: `The carts abandoned (by detection time) in [from, to), and what became of them: scheduled, sent, delivered, read, failed, skipped by reason, expired, recovered with the revenue per currency, and the rates. Default window: the 30 days before \`to\` (default now); at most ${MAX_WINDOW_DAYS} days. Definitions in docs/scheduler.md (stats).`,
    security,
    parameters: [
      {
        name: 'storeId',
        in: 'path',
        required: true,
        schema: { type: 'string', pattern: STORE_ID_PATTERN },
        example: 'lola-shoes',
      },
      window('from', 'Start of the window (inclusive); default 30 days before `to`.'),
      window('to', 'End of the window (exclusive); default now.'),
    ],
    responses: {
      '200': {
        description: 'The stats.',
        content: { 'application/json': { schema: StoreStatsSchema, example } },
      },
      '400': errorAnswer(
        `A store id of another shape, a date that is not RFC 3339, from not before to, or a window over ${MAX_WINDOW_DAYS} days.`,
        400,
        'Bad Request',
        'from must be before to',
      ),
      ...refusals,
    },
  });

  const example = storeStatsOf({
    storeId: 'lola-shoes',
    from: new Date('2026-11-01T00:00:00Z'),
    to: new Date('2026-12-01T00:00:00Z'),
    counts: {
      abandoned: 412,
      scheduled: 371,
      pending: 6,
      cancelled: 29,
      emitted: 365,
      sent: 352,
      delivered: 340,
      read: 281,
      clicked: 164,
      failed: 7,
      deferred: 2,
      expired: 4,
      paced: 3,
      releasedAfterClosing: 1,
      limitedByMeta: 2,
    },
    skippedByReason: [
      { reason: 'opted-out', count: 3 },
      { reason: 'no-consent', count: 5 },
    ],
    recovered: [
      { currency: 'EUR', count: 47, revenue: '3120.50' },
      { currency: 'USD', count: 2, revenue: '150.00' },
    ],
  });
  return openApiDocument({
    service: 'scheduler',
    title: 'Cart recovery: scheduler',
    description:
      "Keeps every cart's abandonment state and emits `send-due` at business-hours-adjusted times; over HTTP it answers each store's recovery stats. See docs/scheduler.md.",
    port: Number(schedulerEnv.HTTP_PORT.parse(undefined)),
    tags: [
      { name: 'stats', description: 'What became of the carts abandoned in a window.' },
      { name: 'access requests', description: "The scheduler's part of a shopper's access request (ingest asks it)." },
    ],
    securitySchemes: {
      consoleToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'HS256 compact token',
        description:
          "A merchant console's token (minted by ingest's POST /v1/stores/{storeId}/console-tokens, forwarded by ingest's console API), for exactly the store in the path; verified with CONSOLE_SIGNING_KEYS.",
      },
    },
    paths: {
      [SHOPPER_DATA_PATH]: shopperDataOperation({
        operationId: 'getShopperSchedulerData',
        summary: 'Everything the scheduler holds about a shopper',
        description:
          "The scheduler's part of the access request (GDPR art. 15) ingest's `GET /v1/shoppers/{phone}/data` gathers, asked by ingest with the platform's key it was called with: the shopper's carts (by the phone column or the phone in the facts: items, name, locale, recovery URL, order), those carts' abandonments, message outcomes and link clicks, the contact rows (opt-out, frequency hold) and consent records. The same tables the erasure deletes from. See docs/data-lifecycle.md (access requests).",
        schema: SchedulerShopperDataSchema,
        example: SHOPPER_DATA_EXAMPLES.scheduler,
      }),
      '/v1/stores/{storeId}/stats': {
        get: statsOperation('getStoreStats', PLATFORM_API_KEY, { '401': API_KEY_REFUSED }),
      },
      '/console/api/stores/{storeId}/stats': {
        get: statsOperation('getConsoleStoreStats', [{ consoleToken: [] }], {
          '401': errorAnswer(
            'No console token, or one that is malformed, expired, tampered with or signed by an unknown key (or CONSOLE_SIGNING_KEYS is unset).',
            401,
            'Unauthorized',
            'the console token has expired: ask the platform for a new console link',
          ),
          '403': errorAnswer(
            'The console token is for another store.',
            403,
            'Forbidden',
            'this console token is for another store',
          ),
        }),
      },
    },
  });
}
