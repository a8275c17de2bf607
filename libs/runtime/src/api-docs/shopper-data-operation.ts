// The access request's operation (`GET /v1/shoppers/{phone}/data`), documented alike in the
// three services: ingest answers the whole, the scheduler and the sender their part.
import { E164_PATTERN, ShopperDataRefusalSchema, STORE_ID_PATTERN } from '@lib/contracts';
import { API_KEY_REFUSED, errorAnswer, PLATFORM_API_KEY, type Json } from './openapi-document';

export const SHOPPER_DATA_PATH = '/v1/shoppers/{phone}/data';

export function shopperDataOperation(operation: {
  operationId: string;
  summary: string;
  description: string;
  schema: unknown;
  example: unknown;
  responses?: Record<string, Json>;
}): Json {
  return {
    get: {
      operationId: operation.operationId,
      tags: ['access requests'],
      summary: operation.summary,
      description: operation.description,
      security: PLATFORM_API_KEY,
      parameters: [
        {
          name: 'phone',
          in: 'path',
          required: true,
          description: "The shopper's phone in E.164 (`+` URL-encoded as `%2B`, or as is).",
          schema: { type: 'string', pattern: E164_PATTERN },
          example: '+34600111222',
        },
        {
          name: 'storeId',
          in: 'query',
          required: false,
          description: 'The store; left out, every store.',
          schema: { type: 'string', pattern: STORE_ID_PATTERN },
          example: 'lola-shoes',
        },
      ],
      responses: {
        '200': {
          description: 'Everything held about the shopper, every row as kept (columns in camelCase).',
          content: { 'application/json': { schema: operation.schema, example: operation.example } },
        },
        '400': errorAnswer('storeId given more than once.', 400, 'Bad Request', 'storeId: given more than once'),
        '401': API_KEY_REFUSED,
        '422': {
          description: 'A phone not in E.164, or a store id of another shape: every problem named.',
          content: {
            'application/json': {
              schema: ShopperDataRefusalSchema,
              example: {
                statusCode: 422,
                error: 'Unprocessable Entity',
                message: 'invalid access request',
                problems: ['phone: must be E.164 (+34600111222)'],
              },
            },
          },
        },
        ...operation.responses,
      },
    },
  };
}

/** One shopper's rows, as the scheduler and the sender answer them (the documents' examples). */
export const SHOPPER_DATA_EXAMPLES = {
  scheduler: {
    carts: [
      {
        storeId: 'lola-shoes',
        cartId: 'c_7f3a',
        version: 3,
        phone: '+34600111222',
        facts: {
          phone: { v: '+34600111222' },
          firstName: { v: 'Lucía' },
          locale: { v: 'es' },
          items: { v: [{ title: 'Zapatilla roja', quantity: 1, price: '59.90' }] },
          recoveryUrl: { v: 'https://lola-shoes.example/cart/c_7f3a' },
        },
        status: 'closed',
        reason: 'sent',
        episode: 1,
        detectedAt: '2026-12-01T18:33:12+00:00',
      },
    ],
    abandonments: [
      {
        storeId: 'lola-shoes',
        cartId: 'c_7f3a',
        episode: 1,
        status: 'closed',
        reason: 'sent',
        sendId: 'lola-shoes:c_7f3a:1',
      },
    ],
    messageOutcomes: [
      {
        sendId: 'lola-shoes:c_7f3a:1',
        storeId: 'lola-shoes',
        cartId: 'c_7f3a',
        sentAt: '2026-12-01T19:33:14+00:00',
        deliveredAt: '2026-12-01T19:33:16+00:00',
        readAt: null,
      },
    ],
    linkClicks: [],
    contacts: [{ storeId: 'lola-shoes', phone: '+34600111222', optedOutAt: '2026-12-02T09:00:00+00:00' }],
    consentRecords: [
      {
        storeId: 'lola-shoes',
        phone: '+34600111222',
        channel: 'whatsapp',
        state: 'granted',
        source: 'checkout',
        consentedAt: '2026-12-01T18:30:00+00:00',
        wordingVersion: 'v2',
      },
    ],
  },
  sender: {
    messages: [
      {
        sendId: 'lola-shoes:c_7f3a:1',
        storeId: 'lola-shoes',
        cartId: 'c_7f3a',
        phone: '+34600111222',
        state: 'delivered',
        reason: null,
        renderedText: 'Hola Lucía, tu carrito te espera: https://lola-shoes.example/r/…',
        template: null,
        history: [
          { state: 'sent', at: '2026-12-01T19:33:14.000Z' },
          { state: 'delivered', at: '2026-12-01T19:33:16.000Z' },
        ],
        pricing: { billable: true, category: 'marketing' },
      },
    ],
    contacts: [{ storeId: 'lola-shoes', phone: '+34600111222', lastSendId: 'lola-shoes:c_7f3a:1' }],
    optOuts: [
      { storeId: 'lola-shoes', phone: '+34600111222', optedOutAt: '2026-12-02T09:00:00+00:00', source: 'keyword' },
    ],
    suppressions: [],
    shopperIdentities: [{ storeId: 'lola-shoes', phone: '+34600111222', userId: 'ES.13491208655302741918' }],
    marketingLimits: [],
  },
};
