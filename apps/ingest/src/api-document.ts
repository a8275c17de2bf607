// ingest's OpenAPI document (docs/api/ingest.openapi.json, served at /openapi.json): its routes
// as the controllers of cart-events-api, webhooks and store-admin answer them. Schemas are the
// contracts'; examples are made by the product's own functions where one exists.
import { Type } from '@sinclair/typebox';
import {
  CartEventSchema,
  CartEventsAnswerSchema,
  ErasureAcceptedSchema,
  ErasureRefusalSchema,
  ShopperDataSchema,
  ShopperDataUnansweredSchema,
  ErasureRequestInputSchema,
  ErasureStatusSchema,
  ConsoleChangesSchema,
  ConsoleMessagesSchema,
  ConsoleTokenSchema,
  MessagePreviewSchema,
  MAX_RECORD_BYTES,
  PlatformWebhookAnswerSchema,
  PublicStoreSettingsSchema,
  SendPreviewSchema,
  STORE_ID_PATTERN,
  StoreSettings,
  StoreSettingsInputSchema,
  StoreSettingsRefusalSchema,
  StoreSettingsSchema,
  StoreStatsSchema,
  withDefaults,
  withoutSecrets,
} from '@lib/contracts';
import {
  API_KEY_REFUSED,
  errorAnswer,
  type Json,
  NO_AUTHENTICATION,
  openApiDocument,
  type OpenApiDocument,
  PLATFORM_API_KEY,
  SHOPPER_DATA_EXAMPLES,
  SHOPPER_DATA_PATH,
  shopperDataOperation,
} from '@lib/runtime';
import { MAX_EVENTS_PER_REQUEST } from './cart-events-api/answer-cart-events';
import { ingestEnv } from './config';
import { SAMPLE_CARTS } from './console/sample-carts';
import { PLATFORM_ADAPTERS } from './platforms';
import { previewSend } from './store-admin/send-preview';

const WEBHOOK_PLATFORM_NAMES = [...PLATFORM_ADAPTERS.values()].filter((a) => a.webhooks).map((a) => a.source);

const open = [
  ['09:00', '14:00'],
  ['16:00', '20:00'],
];

/** A store's settings as a platform writes them (defaults left out), secrets included. */
export const EXAMPLE_STORE_SETTINGS = {
  name: 'Zapatería Lola',
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: open, tue: open, wed: open, thu: open, fri: open, sat: [['10:00', '14:00']], sun: [] },
  closedDates: ['2026-12-25'],
  whatsapp: {
    phoneNumberId: '106540352242922',
    accessToken: 'EAAG-example-access-token',
    mode: 'template',
    templateName: 'cart_reminder',
    templateLanguages: ['es', 'en_US'],
  },
  shopify: { webhookSecret: 'shpss_example_webhook_secret' },
};

/** The same settings as ingest keeps them (storeId from the path, defaults filled). */
const storedExample = withDefaults(StoreSettingsSchema, {
  ...EXAMPLE_STORE_SETTINGS,
  schemaVersion: 1,
  storeId: 'lola-shoes',
}) as StoreSettings;

const cartEventExample = {
  schemaVersion: 1,
  eventId: 'evt-2f9c1c0e',
  type: 'cart.updated',
  occurredAt: '2026-11-24T18:03:12Z',
  storeId: 'lola-shoes',
  cartId: 'c_7f3a',
  customer: { phone: '+34 600 00 00 00', firstName: 'Ana', locale: 'es', whatsappOptIn: true },
  items: [{ sku: 'SKU-1', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
  currency: 'EUR',
  total: '59.90',
  recoveryUrl: 'https://shop.example/lola-shoes/cart/recover/c_7f3a',
  orderId: null,
};

const storeIdParameter: Json = {
  name: 'storeId',
  in: 'path',
  required: true,
  description: 'The store (`[A-Za-z0-9._-]{1,64}`); another shape answers 404.',
  schema: { type: 'string', pattern: STORE_ID_PATTERN },
  example: 'lola-shoes',
};

const unavailable = (why: string): Json =>
  errorAnswer(why, 503, 'Service Unavailable', 'store settings not read yet; try again');
const kafkaUnavailable = errorAnswer(
  'Kafka did not acknowledge the write: nothing was kept or changed; retry.',
  503,
  'Service Unavailable',
  'Kafka did not acknowledge the events, retry: …',
);
const bodyTooLarge = errorAnswer('The body is over 2 MiB.', 413, 'Payload Too Large', 'Request body is too large');
const notJson = errorAnswer(
  'The body is not `application/json`.',
  415,
  'Unsupported Media Type',
  'Unsupported Media Type: text/plain',
);
const noStore = (what: string): Json => errorAnswer(what, 404, 'Not Found', 'no settings for store lola-shoes');

const consoleRefusals: Json = {
  '401': errorAnswer(
    'No console token, or one that is malformed, expired, tampered with or signed by an unknown key (or the console is off).',
    401,
    'Unauthorized',
    'the console token has expired',
  ),
  '403': errorAnswer(
    'The console token is for another store.',
    403,
    'Forbidden',
    'this console token is for another store',
  ),
  '404': noStore('No settings for the store.'),
};

const settingsRefusal = (description: string): Json => ({
  description,
  content: {
    'application/json': {
      schema: StoreSettingsRefusalSchema,
      example: {
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: 'invalid store settings',
        problems: ['whatsapp: not changed from the console (the platform sets it)'],
      },
    },
  },
});

const CONSOLE_TOKEN = [{ consoleToken: [] }];

/** The merchant console (apps/ingest/src/console): its token, page and API. */
function consolePaths(preview: unknown): Record<string, Json> {
  const changesExample = { openingHours: { ...EXAMPLE_STORE_SETTINGS.openingHours, sun: [['11:00', '14:00']] } };
  return {
    '/v1/stores/{storeId}/console-tokens': {
      post: {
        operationId: 'postConsoleToken',
        tags: ['console'],
        summary: 'A console token for one store',
        description:
          "Called by the platform's server (API key); the merchant's browser only ever holds the token, which opens the console at `consolePath` for CONSOLE_TOKEN_MINUTES.",
        security: PLATFORM_API_KEY,
        parameters: [storeIdParameter],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { locale: { type: 'string', enum: ['es', 'en'], description: "The console's language." } },
              },
              example: { locale: 'es' },
            },
          },
        },
        responses: {
          '201': {
            description: 'The token.',
            content: {
              'application/json': {
                schema: ConsoleTokenSchema,
                example: {
                  token: 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdG9yZSI6ImxvbGEtc2hvZXMifQ.c2lnbmF0dXJl',
                  expiresAt: '2026-11-24T18:48:12.000Z',
                  consolePath:
                    '/console#token=eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdG9yZSI6ImxvbGEtc2hvZXMifQ.c2lnbmF0dXJl&locale=es',
                },
              },
            },
          },
          '401': API_KEY_REFUSED,
          '404': noStore('No settings for the store.'),
          '503': errorAnswer(
            'The console is off (CONSOLE_SIGNING_KEYS unset).',
            503,
            'Service Unavailable',
            'the console is not configured (CONSOLE_SIGNING_KEYS)',
          ),
        },
      },
    },
    '/console': {
      get: {
        operationId: 'consolePage',
        tags: ['console'],
        summary: "The merchant console's page",
        description:
          "Reads its token from the link's fragment (`#token=…`), so the page itself needs none. Served with the console's security headers (CSP, CONSOLE_FRAME_ANCESTORS).",
        security: NO_AUTHENTICATION,
        responses: {
          '200': { description: 'The page.', content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } } },
          '404': errorAnswer(
            'The console is not built.',
            404,
            'Not Found',
            'the console is not built (npm run build writes it)',
          ),
        },
      },
    },
    '/console/assets/{file}': {
      get: {
        operationId: 'consoleAsset',
        tags: ['console'],
        summary: "The console's built scripts, style sheets and images",
        security: NO_AUTHENTICATION,
        parameters: [
          {
            name: 'file',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[a-z0-9-]+(\\.[a-z0-9]+)*\\.(js|css|svg)$' },
          },
        ],
        responses: {
          '200': {
            description: 'The file.',
            content: Object.fromEntries(
              ['text/javascript; charset=utf-8', 'text/css; charset=utf-8', 'image/svg+xml'].map((t) => [
                t,
                { schema: { type: 'string' } },
              ]),
            ),
          },
          '404': errorAnswer('No such file.', 404, 'Not Found', 'Not Found'),
        },
      },
    },
    '/console/api/stores/{storeId}/settings': {
      parameters: [storeIdParameter],
      get: {
        operationId: 'getConsoleSettings',
        tags: ['console'],
        summary: "The store's settings, as the admin API shows them",
        security: CONSOLE_TOKEN,
        responses: {
          '200': {
            description: 'The settings, secrets only as set / not set.',
            content: {
              'application/json': { schema: PublicStoreSettingsSchema, example: withoutSecrets(storedExample) },
            },
          },
          ...consoleRefusals,
        },
      },
      put: {
        operationId: 'putConsoleSettings',
        tags: ['console'],
        summary: "Save the merchant's changes",
        description:
          "Applied to the current settings and saved through the admin API's own PUT (its checks, sealing, the lock, publishing on `store-settings`).",
        security: CONSOLE_TOKEN,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ConsoleChangesSchema, example: changesExample } },
        },
        responses: {
          '200': {
            description: 'Saved; the settings as kept, without secrets.',
            content: {
              'application/json': { schema: PublicStoreSettingsSchema, example: withoutSecrets(storedExample) },
            },
          },
          ...consoleRefusals,
          '422': settingsRefusal('A field the console does not change, or settings the admin API refuses.'),
          '503': kafkaUnavailable,
        },
      },
    },
    '/console/api/stores/{storeId}/send-preview': {
      post: {
        operationId: 'postConsoleSendPreview',
        tags: ['console'],
        summary: 'The send preview under unsaved changes',
        security: CONSOLE_TOKEN,
        parameters: [storeIdParameter],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['detectedAt'],
                properties: { detectedAt: { type: 'string', format: 'date-time' }, changes: ConsoleChangesSchema },
              },
              example: { detectedAt: '2026-11-24T19:33:12Z', changes: changesExample },
            },
          },
        },
        responses: {
          '200': {
            description: 'The preview.',
            content: { 'application/json': { schema: SendPreviewSchema, example: preview } },
          },
          '400': errorAnswer(
            'detectedAt is missing or not an RFC 3339 instant with offset.',
            400,
            'Bad Request',
            'detectedAt: required, an RFC 3339 instant with offset (2026-11-24T18:33:12Z)',
          ),
          ...consoleRefusals,
          '422': settingsRefusal('The changes make settings the admin API would refuse.'),
        },
      },
    },
    '/console/api/stores/{storeId}/message-preview': {
      post: {
        operationId: 'postConsoleMessagePreview',
        tags: ['console'],
        summary: 'The message over sample carts, under unsaved changes',
        description: `Rendered as the sender renders it, over the sample carts ${SAMPLE_CARTS.map((c) => `\`${c}\``).join(', ')}.`,
        security: CONSOLE_TOKEN,
        parameters: [storeIdParameter],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  language: { type: 'string', enum: ['es', 'en'], description: "Default: the store's locale." },
                  changes: ConsoleChangesSchema,
                },
              },
              example: {
                language: 'es',
                changes: { messageTemplates: { es: 'Hola {{firstName}}, tu carrito te espera.' } },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'One message per sample cart.',
            content: {
              'application/json': {
                schema: MessagePreviewSchema,
                example: {
                  mode: 'text',
                  samples: [
                    {
                      sample: 'one-item',
                      locale: 'es',
                      text: 'Hola Ana, tu carrito te espera.',
                      template: 'store',
                    },
                  ],
                },
              },
            },
          },
          ...consoleRefusals,
          '422': settingsRefusal('The changes make settings the admin API would refuse.'),
        },
      },
    },
    '/console/api/stores/{storeId}/stats': {
      get: {
        operationId: 'getConsoleStats',
        tags: ['console'],
        summary: "The store's recovery stats, from the scheduler",
        description:
          "The scheduler's `/console/api/stores/{storeId}/stats` (its stats API's answer), asked with the browser's console token as it came (the scheduler verifies it too), never an API key. Its 400 and refusals come back as the scheduler gave them.",
        security: CONSOLE_TOKEN,
        parameters: [
          storeIdParameter,
          ...(['from', 'to'] as const).map((name) => ({
            name,
            in: 'query',
            required: false,
            description: `The window's ${name === 'from' ? 'start (inclusive; default 30 days before to)' : 'end (exclusive; default now)'}: an RFC 3339 date or date-time.`,
            schema: { type: 'string' },
            example: name === 'from' ? '2026-11-01' : '2026-12-01T00:00:00Z',
          })),
        ],
        responses: {
          '200': {
            description: "The scheduler's stats of the store.",
            content: { 'application/json': { schema: StoreStatsSchema } },
          },
          '400': errorAnswer('A window the scheduler refuses.', 400, 'Bad Request', 'from must be before to'),
          '401': (consoleRefusals as Record<string, Json>)['401'],
          '403': (consoleRefusals as Record<string, Json>)['403'],
          '503': errorAnswer(
            'CONSOLE_SCHEDULER_URL is unset, or the scheduler did not answer.',
            503,
            'Service Unavailable',
            'the scheduler did not answer',
          ),
        },
      },
    },
    '/console/api/stores/{storeId}/messages': {
      get: {
        operationId: 'getConsoleMessages',
        tags: ['console'],
        summary: "The store's latest messages with their status history, phones masked, from the sender",
        description:
          "The sender's `/console/api/stores/{storeId}/messages`, asked with the browser's console token as it came (the sender verifies it too), never an API key. Its 400 and refusals come back as the sender gave them.",
        security: CONSOLE_TOKEN,
        parameters: [
          storeIdParameter,
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'How many, newest first (default 20, at most 100).',
            schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        ],
        responses: {
          '200': {
            description: "The sender's latest messages of the store.",
            content: { 'application/json': { schema: ConsoleMessagesSchema } },
          },
          '400': errorAnswer('A limit the sender refuses.', 400, 'Bad Request', 'limit: an integer from 1 to 100'),
          '401': (consoleRefusals as Record<string, Json>)['401'],
          '403': (consoleRefusals as Record<string, Json>)['403'],
          '503': errorAnswer(
            'CONSOLE_SENDER_URL is unset, or the sender did not answer.',
            503,
            'Service Unavailable',
            'the sender did not answer',
          ),
        },
      },
    },
  };
}

const erasureId = '0b5f3f6e-8d8e-4e4b-9a8e-2f1c7d9b6a11';

/** Erasure requests (apps/ingest/src/erasure). */
function erasurePaths(): Record<string, Json> {
  return {
    '/v1/erasure-requests': {
      post: {
        operationId: 'postErasureRequest',
        tags: ['erasure'],
        summary: "Erase a shopper's data",
        description:
          "Erases the shopper's phone, name, carts and messages in every service, at one store or (`storeId` left out) every store; anonymous counts stay, so the stats do not change, and an opt-out stays as a keyed hash of the phone (the shopper is never messaged again). Kept with the phone's keyed hash only and published on `erasure-requests` before the answer; follow it with GET. See docs/data-lifecycle.md.",
        security: PLATFORM_API_KEY,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ErasureRequestInputSchema,
              example: { phone: '+34600000000', storeId: 'lola-shoes' },
            },
          },
        },
        responses: {
          '202': {
            description: 'Accepted and published: the services erase it now.',
            content: { 'application/json': { schema: ErasureAcceptedSchema, example: { id: erasureId } } },
          },
          '400': errorAnswer(
            'The body is not a JSON object.',
            400,
            'Bad Request',
            'the body must be a JSON object { "phone": "+34…", "storeId"?: "…" }',
          ),
          '401': API_KEY_REFUSED,
          '413': bodyTooLarge,
          '415': notJson,
          '422': {
            description: 'A field is missing or malformed: every problem at once.',
            content: {
              'application/json': {
                schema: ErasureRefusalSchema,
                example: {
                  statusCode: 422,
                  error: 'Unprocessable Entity',
                  message: 'invalid erasure request',
                  problems: ['phone: must be E.164 (+34600111222)'],
                },
              },
            },
          },
          '503': errorAnswer(
            'Kafka did not acknowledge the request (nothing was kept; retry), or ERASURE_HASH_KEY is unset.',
            503,
            'Service Unavailable',
            'erasure is not configured (ERASURE_HASH_KEY)',
          ),
        },
      },
    },
    '/v1/erasure-requests/{id}': {
      get: {
        operationId: 'getErasureRequest',
        tags: ['erasure'],
        summary: "An erasure request's state",
        description:
          "`done` once ingest, the scheduler and the sender each reported the shopper erased, with each one's time.",
        security: PLATFORM_API_KEY,
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'The id POST answered.',
            schema: { type: 'string', format: 'uuid' },
            example: erasureId,
          },
        ],
        responses: {
          '200': {
            description: "The request's state.",
            content: {
              'application/json': {
                schema: ErasureStatusSchema,
                example: {
                  id: erasureId,
                  storeId: 'lola-shoes',
                  requestedAt: '2026-12-07T10:00:00.000Z',
                  status: 'pending',
                  services: {
                    ingest: '2026-12-07T10:00:00.000Z',
                    scheduler: '2026-12-07T10:00:00.412Z',
                    sender: null,
                  },
                },
              },
            },
          },
          '401': API_KEY_REFUSED,
          '404': errorAnswer('No such request.', 404, 'Not Found', `no erasure request ${erasureId}`),
        },
      },
    },
  };
}

/** The access request (apps/ingest/src/shopper-data): ingest's part and the other services'. */
function shopperDataPaths(): Record<string, Json> {
  const unanswered = (description: string, statusCode: 502 | 503, error: string, message: string, service: string) => ({
    description,
    content: {
      'application/json': {
        schema: ShopperDataUnansweredSchema,
        example: { statusCode, error, message, service },
      },
    },
  });
  return {
    [SHOPPER_DATA_PATH]: shopperDataOperation({
      operationId: 'getShopperData',
      summary: 'Everything the product holds about a shopper (the subject access request)',
      description:
        "GDPR art. 15: every row the three services hold about the phone, at the store or (`storeId` left out) at every store, as kept. Ingest's part is the erasure requests made for the phone (by its keyed hash, ERASURE_HASH_KEY); the scheduler's (SHOPPER_DATA_SCHEDULER_URL) and the sender's (SHOPPER_DATA_SENDER_URL) are asked of them on the same path with the platform's key this request came with, and answered under their names: carts with their facts, abandonments, message outcomes, link clicks, contacts and consent records; messages with their status history, frequency slots, opt-outs, erasure suppressions, BSUIDs and marketing limits. All or nothing: a service that does not answer makes a 502 naming it. The phone is never logged. See docs/data-lifecycle.md (access requests).",
      schema: ShopperDataSchema,
      example: {
        phone: '+34600111222',
        storeId: 'lola-shoes',
        generatedAt: '2026-12-07T10:00:00.000Z',
        ingest: { erasureRequests: [] },
        ...SHOPPER_DATA_EXAMPLES,
      },
      responses: {
        '502': unanswered(
          'The scheduler or the sender did not answer (down, timed out after 10 s, refused the key, or answered something else): the service is named.',
          502,
          'Bad Gateway',
          'the sender did not answer',
          'sender',
        ),
        '503': unanswered(
          'SHOPPER_DATA_SCHEDULER_URL or SHOPPER_DATA_SENDER_URL is unset: the service is named.',
          503,
          'Service Unavailable',
          'access requests are not configured: SHOPPER_DATA_SENDER_URL is unset',
          'sender',
        ),
      },
    }),
  };
}

/** Recovery links (apps/ingest/src/recovery-links): public, what a shopper taps in a message. */
function recoveryLinkPaths(): Record<string, Json> {
  return {
    '/r/{token}': {
      get: {
        operationId: 'followRecoveryLink',
        tags: ['recovery links'],
        summary: "A message's cart link: counts the click and redirects to the store",
        description:
          "Public (the shopper taps it in WhatsApp). The token's signature (LINK_SIGNING_KEYS) is checked first: a forged or mistyped token answers 404 and records nothing. A well-signed token not read from recovery-links yet is waited for up to LINK_WAIT_MS. A live link answers 302 to the store's recovery URL with utm_source=whatsapp, utm_medium and utm_campaign (the store's `links` settings, else message and cart-recovery), its own query kept. A shopper's click is recorded (first time kept, count grown; no IP address, only the kind of browser) and published on link-clicks; link previews (WhatsApp, facebookexternalhit, Slackbot, Twitterbot, TelegramBot, Discordbot…), other bots and HEAD requests get the same redirect without being counted. A link older than 30 days, or of a deleted store, answers 404. See docs/ingest.md.",
        security: NO_AUTHENTICATION,
        parameters: [
          {
            name: 'token',
            in: 'path',
            required: true,
            schema: { type: 'string', maxLength: 200 },
            example: 'q3Vd0cK1xYp2LmNw.Zr8fT1uW4bHs9JkA',
          },
        ],
        responses: {
          '302': {
            description: "To the store's recovery URL with the UTM parameters.",
            headers: {
              Location: {
                description: 'Where the shopper goes',
                schema: { type: 'string', format: 'uri' },
                example:
                  'https://shop.example/lola-shoes/cart/recover/c_7f3a?utm_source=whatsapp&utm_medium=message&utm_campaign=cart-recovery',
              },
            },
          },
          '404': errorAnswer('A forged, unknown or expired link.', 404, 'Not Found', 'no such link'),
        },
      },
    },
  };
}

export function ingestApiDocument(): OpenApiDocument {
  const preview = previewSend(storedExample, new Date('2026-11-24T19:33:12Z'));
  const expired = previewSend({ ...storedExample, maxDeferralHours: 1 }, new Date('2026-11-28T21:00:00Z'));
  return openApiDocument({
    service: 'ingest',
    title: 'Cart recovery: ingest',
    description:
      'Takes cart events from platforms over HTTP (canonical events) and as platform webhooks (Shopify), and serves the store-settings admin API with its send preview. Events accepted here reach the `cart-events` topic before the answer is sent: a 2xx means nothing accepted can be lost. See docs/ingest.md.',
    port: Number(ingestEnv.HTTP_PORT.parse(undefined)),
    tags: [
      { name: 'cart events', description: 'Canonical cart events over HTTP.' },
      { name: 'platform webhooks', description: "Platforms' own webhooks, signed with the store's secret." },
      { name: 'store admin', description: "Each store's settings (published on the compacted store-settings topic)." },
      { name: 'erasure', description: "Erasing a shopper's data (GDPR art. 17) in every service." },
      { name: 'access requests', description: 'Everything the product holds about a shopper (GDPR art. 15).' },
      { name: 'recovery links', description: 'The click-tracked cart links of the messages (public).' },
      { name: 'console', description: 'The merchant console: a page and an API behind a console token for one store.' },
    ],
    securitySchemes: {
      consoleToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'HS256 compact token',
        description:
          'A console token from POST /v1/stores/{storeId}/console-tokens, for exactly the store in the path, as `Authorization: Bearer <token>`; signed with CONSOLE_SIGNING_KEYS and valid CONSOLE_TOKEN_MINUTES.',
      },
      shopifyHmac: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Shopify-Hmac-Sha256',
        description:
          "The base64 HMAC-SHA256 of the raw body bytes with the store's `shopify.webhookSecret` (set through PUT /v1/stores/{storeId}), compared in constant time. Shopify signs every webhook this way.",
      },
    },
    paths: {
      ...consolePaths(preview),
      ...erasurePaths(),
      ...shopperDataPaths(),
      ...recoveryLinkPaths(),
      '/v1/cart-events': {
        post: {
          operationId: 'postCartEvents',
          tags: ['cart events'],
          summary: 'Send cart events',
          description: `One canonical cart event, or an array of 1 to ${MAX_EVENTS_PER_REQUEST}. Each is checked and normalized as on \`cart-events-raw\` (phone to E.164, amounts, ids); the answer names, per event and in order, accepted or rejected with the reason. It is sent once Kafka acknowledged every accepted event. An event over ${MAX_RECORD_BYTES} bytes is rejected (\`too-large\`). Duplicates are safe: the scheduler keeps each eventId once.`,
          security: PLATFORM_API_KEY,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    CartEventSchema,
                    Type.Array(CartEventSchema, { minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }),
                  ],
                },
                examples: {
                  one: { summary: 'One event', value: cartEventExample },
                  many: {
                    summary: 'Several events',
                    value: [
                      cartEventExample,
                      { ...cartEventExample, eventId: 'evt-2f9c1c0f', type: 'cart.converted', orderId: 'order-1001' },
                    ],
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'At least one event accepted (and acknowledged by Kafka); the others say why not.',
              content: {
                'application/json': {
                  schema: CartEventsAnswerSchema,
                  example: {
                    accepted: 1,
                    rejected: 1,
                    results: [
                      { index: 0, eventId: 'evt-2f9c1c0e', status: 'accepted', key: 'lola-shoes:c_7f3a' },
                      {
                        index: 1,
                        eventId: 'evt-2f9c1c0f',
                        status: 'rejected',
                        reason: 'invalid-money',
                        error: '/total: must match the money pattern',
                      },
                    ],
                  },
                },
              },
            },
            '400': errorAnswer(
              `The body is neither an event nor an array of 1 to ${MAX_EVENTS_PER_REQUEST} of them.`,
              400,
              'Bad Request',
              `at most ${MAX_EVENTS_PER_REQUEST} events per request (got 501)`,
            ),
            '401': API_KEY_REFUSED,
            '413': bodyTooLarge,
            '415': notJson,
            '422': {
              description: 'No event accepted: the answer says why, per event.',
              content: {
                'application/json': {
                  schema: CartEventsAnswerSchema,
                  example: {
                    accepted: 0,
                    rejected: 1,
                    results: [
                      {
                        index: 0,
                        eventId: 'evt-2f9c1c0e',
                        status: 'rejected',
                        reason: 'invalid-id',
                        error: '/storeId: must match the store id pattern',
                      },
                    ],
                  },
                },
              },
            },
            '503': unavailable(
              'ingest has not read the store settings yet (start-up), or Kafka did not acknowledge: nothing was kept; retry.',
            ),
          },
        },
      },
      '/v1/webhooks/{platform}/{storeId}': {
        post: {
          operationId: 'postPlatformWebhook',
          tags: ['platform webhooks'],
          summary: "Receive a platform's webhook (Shopify)",
          description: `The URL to register in the platform, per store: \`/v1/webhooks/shopify/{storeId}\`. The signature is verified over the raw body with the store's secret; the payload is then written, bytes unchanged, to \`cart-events-raw\` with its \`source\` header and translated there like any raw record (one it cannot read is dead-lettered, not refused: platforms retry refusals for days). Shopify topics that carry cart events: ${[
            ...(PLATFORM_ADAPTERS.get('shopify')?.topics ?? []),
          ]
            .map((t) => `\`${t}\``)
            .join(', ')}; others are answered 200 \`ignored\`. The answer is sent once Kafka acknowledged.`,
          security: [{ shopifyHmac: [] }],
          parameters: [
            {
              name: 'platform',
              in: 'path',
              required: true,
              description: 'A platform whose webhooks ingest reads.',
              schema: { type: 'string', enum: WEBHOOK_PLATFORM_NAMES },
            },
            storeIdParameter,
            {
              name: 'X-Shopify-Topic',
              in: 'header',
              required: false,
              description: "The platform's event name; without it the delivery is `ignored`.",
              schema: { type: 'string' },
              example: 'checkouts/update',
            },
            {
              name: 'X-Shopify-Webhook-Id',
              in: 'header',
              required: false,
              description: "The delivery's id, kept as the `platform-delivery` header (redeliveries share it).",
              schema: { type: 'string' },
            },
            {
              name: 'X-Shopify-Event-Id',
              in: 'header',
              required: false,
              description:
                'The event id (redeliveries of one event share it): the canonical eventId is derived from it.',
              schema: { type: 'string' },
            },
            {
              name: 'X-Shopify-Triggered-At',
              in: 'header',
              required: false,
              description: 'When the event happened (else the payload’s `updated_at`).',
              schema: { type: 'string', format: 'date-time' },
            },
          ],
          requestBody: {
            required: true,
            description: `The platform's own JSON, at most ${MAX_RECORD_BYTES} bytes (Shopify REST shapes of a checkout or an order; docs/ingest.md gives the fields read).`,
            content: {
              'application/json': {
                schema: { type: 'object' },
                example: {
                  token: 'c_7f3a',
                  updated_at: '2026-11-24T18:03:12+01:00',
                  abandoned_checkout_url: 'https://shop.example/lola-shoes/cart/recover/c_7f3a',
                  currency: 'EUR',
                  total_price: '59.90',
                  phone: '+34600000000',
                  buyer_accepts_sms_marketing: true,
                  line_items: [{ sku: 'SKU-1', title: 'Zapatillas Lola', quantity: 1, price: '59.90' }],
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Kept on `cart-events-raw` (`received`), or a topic that carries no cart event (`ignored`).',
              content: {
                'application/json': {
                  schema: PlatformWebhookAnswerSchema,
                  examples: {
                    received: { value: { status: 'received' } },
                    ignored: { value: { status: 'ignored', reason: 'topic products/update carries no cart event' } },
                  },
                },
              },
            },
            '401': errorAnswer(
              "The signature is missing, or does not match the store's secret (or the store has none).",
              401,
              'Unauthorized',
              'webhook signature does not match the store secret',
            ),
            '404': errorAnswer(
              'No webhooks for that platform, or a store id of another shape.',
              404,
              'Not Found',
              'no webhooks for platform "woo"',
            ),
            '413': errorAnswer(
              `The body is over ${MAX_RECORD_BYTES} bytes.`,
              413,
              'Payload Too Large',
              `over ${MAX_RECORD_BYTES} bytes`,
            ),
            '415': errorAnswer(
              'The body is not JSON.',
              415,
              'Unsupported Media Type',
              'webhook bodies are application/json',
            ),
            '503': unavailable('Store settings not read yet, or Kafka did not acknowledge: the platform retries.'),
          },
        },
      },
      '/v1/stores/{storeId}': {
        parameters: [storeIdParameter],
        put: {
          operationId: 'putStoreSettings',
          tags: ['store admin'],
          summary: "Create or replace a store's settings",
          description:
            "Checked as a whole (the contract's shape and ranges with defaults filled, the IANA zone, opening hours without overlaps, templates that render, the WhatsApp fields the mode needs), every problem listed at once. Kept in ingest's schema and published on `store-settings` before the commit (an unacknowledged publish rolls the write back). Secrets (`whatsapp.accessToken`, `shopify.webhookSecret`) are write-only: sealed at rest, never answered nor logged; one left out keeps the stored value, so a GET-edit-PUT round trip keeps them.",
          security: PLATFORM_API_KEY,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: StoreSettingsInputSchema, example: EXAMPLE_STORE_SETTINGS } },
          },
          responses: {
            '200': {
              description: 'Replaced; the settings as kept, without secrets.',
              content: {
                'application/json': { schema: PublicStoreSettingsSchema, example: withoutSecrets(storedExample) },
              },
            },
            '201': {
              description: 'Created; the settings as kept, without secrets.',
              content: {
                'application/json': { schema: PublicStoreSettingsSchema, example: withoutSecrets(storedExample) },
              },
            },
            '401': API_KEY_REFUSED,
            '404': errorAnswer(
              'A store id of another shape.',
              404,
              'Not Found',
              'store ids match [A-Za-z0-9._-]{1,64}',
            ),
            '413': bodyTooLarge,
            '415': notJson,
            '422': {
              description: 'The settings are not valid: every problem at once.',
              content: {
                'application/json': {
                  schema: StoreSettingsRefusalSchema,
                  example: {
                    statusCode: 422,
                    error: 'Unprocessable Entity',
                    message: 'invalid store settings',
                    problems: [
                      'timezone: "Europe/Madird" is not an IANA time zone',
                      'openingHours.mon: 13:00–15:00 overlaps 09:00–14:00',
                    ],
                  },
                },
              },
            },
            '503': kafkaUnavailable,
          },
        },
        get: {
          operationId: 'getStoreSettings',
          tags: ['store admin'],
          summary: "A store's settings",
          security: PLATFORM_API_KEY,
          responses: {
            '200': {
              description: 'The settings, each secret replaced by whether it is set.',
              content: {
                'application/json': { schema: PublicStoreSettingsSchema, example: withoutSecrets(storedExample) },
              },
            },
            '401': API_KEY_REFUSED,
            '404': noStore('No settings for the store (or a store id of another shape).'),
          },
        },
        delete: {
          operationId: 'deleteStoreSettings',
          tags: ['store admin'],
          summary: 'Delete a store',
          description:
            'Removes the settings and publishes a tombstone on `store-settings`: nothing more is sent for the store, and compaction removes it from the topic. The scheduler and the sender keep its data for a grace (`RETENTION_DELETED_STORE_DAYS`, 30 days by default), then delete every row of it (carts, messages, contacts and opt-outs, consent records, daily stats); a PUT of the store within the grace keeps everything.',
          security: PLATFORM_API_KEY,
          responses: {
            '204': { description: 'Deleted (tombstone acknowledged by Kafka).' },
            '401': API_KEY_REFUSED,
            '404': noStore('No settings for the store (or a store id of another shape).'),
            '503': kafkaUnavailable,
          },
        },
      },
      '/v1/stores/{storeId}/send-preview': {
        get: {
          operationId: 'getSendPreview',
          tags: ['store admin'],
          summary: 'When a cart abandoned at a given time would get its message',
          description:
            "planSend with the store's settings (delay, opening hours, closed dates, time zone, the latest deferral): the send time, or `expire` when the store does not open before notAfter. Nothing is sent or scheduled.",
          security: PLATFORM_API_KEY,
          parameters: [
            storeIdParameter,
            {
              name: 'detectedAt',
              in: 'query',
              required: true,
              description: 'When the cart was detected as abandoned: an RFC 3339 instant with offset.',
              schema: { type: 'string', format: 'date-time' },
              example: '2026-11-24T18:33:12Z',
            },
          ],
          responses: {
            '200': {
              description: 'The preview.',
              content: {
                'application/json': {
                  schema: SendPreviewSchema,
                  examples: {
                    send: { summary: 'Detected while closed: sent at the opening', value: preview },
                    expire: { summary: 'No opening before notAfter', value: expired },
                  },
                },
              },
            },
            '400': errorAnswer(
              'detectedAt is missing or not an RFC 3339 instant with offset.',
              400,
              'Bad Request',
              'detectedAt: required, an RFC 3339 instant with offset (2026-11-24T18:33:12Z)',
            ),
            '401': API_KEY_REFUSED,
            '404': noStore('No settings for the store (or a store id of another shape).'),
          },
        },
      },
    },
  });
}
