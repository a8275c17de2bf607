// The sender's OpenAPI document (docs/api/sender.openapi.json, served at /openapi.json): the
// WhatsApp webhook the Meta app calls (verification handshake, signed notifications), and the
// merchant console's recent messages (behind a console token, forwarded by ingest).
import {
  ConsoleMessagesSchema,
  SenderShopperDataSchema,
  WhatsAppWebhookAckSchema,
  WhatsAppWebhookRefusalSchema,
} from '@lib/contracts';
import {
  errorAnswer,
  type Json,
  openApiDocument,
  type OpenApiDocument,
  SHOPPER_DATA_EXAMPLES,
  SHOPPER_DATA_PATH,
  shopperDataOperation,
} from '@lib/runtime';
import { RECENT_MESSAGES_DEFAULT, RECENT_MESSAGES_MAX, recentMessageOf } from './console/recent-messages';
import { senderEnv } from './config';

/** The parts of Meta's notification the sender reads (webhooks/webhook-payload.ts); the rest is passed over. */
const identity = {
  user_id: { type: 'string', description: 'Business-scoped user id (BSUID), e.g. `ES.13491208655302741918`.' },
  parent_user_id: { type: 'string', description: 'Parent BSUID (`CC.ENT.…`) of a business portfolio.' },
} as const;

const notificationSchema: Json = {
  type: 'object',
  description:
    "Meta's WhatsApp Business Account notification. The sender reads `messages` changes: `statuses` (sent, delivered, read, failed; `biz_opaque_callback_data` is the sendId; settled by id whatever identity they carry; a BSUID next to the message's phone is learnt; `pricing` kept per message) and shoppers' text or button replies (opt-out keywords; a reply may name the shopper by BSUID only). `message_template_status_update` and `template_category_update` changes keep each template's status and category (a paused or disabled template holds its stores' sends). `wa_id`, `from` and `recipient_id` are opaque: digits are a phone, the `^[A-Z]{2}\\.` shape a BSUID. Anything else is answered 200 and left out, so Meta does not retry it.",
  properties: {
    object: { type: 'string', examples: ['whatsapp_business_account'] },
    entry: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', description: 'The WhatsApp Business Account id.' },
          time: { type: 'integer', description: 'Unix seconds (template webhooks).' },
          changes: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                field: {
                  type: 'string',
                  examples: ['messages', 'message_template_status_update', 'template_category_update'],
                },
                value: {
                  type: 'object',
                  properties: {
                    metadata: { type: 'object', properties: { phone_number_id: { type: 'string' } } },
                    statuses: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          id: { type: 'string', description: 'The wamid.' },
                          status: { type: 'string', enum: ['sent', 'delivered', 'read', 'failed'] },
                          timestamp: { type: 'string', description: 'Unix seconds.' },
                          biz_opaque_callback_data: { type: 'string', description: 'The sendId.' },
                          recipient_id: { type: 'string', description: 'The phone; may be missing (BSUID only).' },
                          recipient_user_id: identity.user_id,
                          recipient_parent_user_id: identity.parent_user_id,
                          contacts: {
                            type: 'array',
                            description: 'sent, delivered and read only.',
                            items: { type: 'object', properties: { wa_id: { type: 'string' }, ...identity } },
                          },
                          pricing: {
                            type: 'object',
                            properties: {
                              billable: { type: 'boolean' },
                              category: { type: 'string' },
                              type: { type: 'string', examples: ['regular', 'free_customer_service'] },
                              pricing_model: { type: 'string', examples: ['PMP'] },
                            },
                          },
                          errors: {
                            type: 'array',
                            items: { type: 'object', properties: { code: { type: 'integer' } } },
                          },
                        },
                      },
                    },
                    contacts: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          wa_id: { type: 'string', description: 'Only when the phone is shareable.' },
                          ...identity,
                          profile: {
                            type: 'object',
                            properties: { name: { type: 'string' }, username: { type: 'string' } },
                          },
                        },
                      },
                    },
                    messages: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          from: { type: 'string', description: "The shopper's number, digits only; may be missing." },
                          from_user_id: identity.user_id,
                          timestamp: { type: 'string' },
                          type: { type: 'string', examples: ['text', 'button'] },
                          text: { type: 'object', properties: { body: { type: 'string' } } },
                          button: {
                            type: 'object',
                            properties: { text: { type: 'string' }, payload: { type: 'string' } },
                          },
                        },
                      },
                    },
                    event: { type: 'string', description: 'Template status: APPROVED, PAUSED, DISABLED…' },
                    message_template_id: { type: 'integer' },
                    message_template_name: { type: 'string' },
                    message_template_language: { type: 'string' },
                    reason: { type: 'string' },
                    correct_category: { type: 'string', description: 'Impending category change.' },
                    previous_category: { type: 'string', description: 'Completed category change.' },
                    new_category: { type: 'string' },
                    category_update_timestamp: { type: 'integer' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const notificationExample = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '34910000000', phone_number_id: '106540352242922' },
            statuses: [
              {
                id: 'wamid.HBgLMzQ2MDAwMDAwMDAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
                status: 'delivered',
                timestamp: '1764007992',
                recipient_id: '34600000000',
                biz_opaque_callback_data: 'snd_6f1e2c',
              },
            ],
          },
        },
      ],
    },
  ],
};

export function senderApiDocument(): OpenApiDocument {
  return openApiDocument({
    service: 'sender',
    title: 'Cart recovery: sender',
    description:
      "Delivers each due reminder through the WhatsApp Cloud API and records its outcomes. Over HTTP it takes the webhook of the store's Meta app: message statuses and shoppers' replies. See docs/sender.md.",
    port: Number(senderEnv.HTTP_PORT.parse(undefined)),
    tags: [
      { name: 'whatsapp webhooks', description: 'The callback URL configured in the Meta app.' },
      { name: 'console', description: "The merchant console's recent messages (ingest forwards the console token)." },
      { name: 'access requests', description: "The sender's part of a shopper's access request (ingest asks it)." },
    ],
    securitySchemes: {
      consoleToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'HS256 compact token',
        description:
          "A merchant console's token (minted by ingest's POST /v1/stores/{storeId}/console-tokens, forwarded by ingest's console API), for exactly the store in the path; verified with CONSOLE_SIGNING_KEYS.",
      },
      whatsappVerifyToken: {
        type: 'apiKey',
        in: 'query',
        name: 'hub.verify_token',
        description:
          "The verify token typed into the Meta app's webhook settings: WHATSAPP_VERIFY_TOKEN (or WHATSAPP_VERIFY_TOKEN_FILE), compared in constant time. Unset, every verification fails.",
      },
      whatsappSignature: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Hub-Signature-256',
        description:
          "`sha256=<hex>`: the HMAC-SHA256 of the raw body bytes with the Meta app's secret, WHATSAPP_APP_SECRET (or WHATSAPP_APP_SECRET_FILE). Checked before anything is read; unset, every notification is refused.",
      },
    },
    paths: {
      '/console/api/stores/{storeId}/messages': { get: consoleMessagesOperation() },
      [SHOPPER_DATA_PATH]: shopperDataOperation({
        operationId: 'getShopperSenderData',
        summary: 'Everything the sender holds about a shopper',
        description:
          "The sender's part of the access request (GDPR art. 15) ingest's `GET /v1/shoppers/{phone}/data` gathers, asked by ingest with the platform's key it was called with: the only route API_KEYS open on the sender. Every message decided for the shopper (state, reason, the text sent or the template and its parameters, status history, pricing, the send-due copy), the frequency slots, opt-outs, the suppressions an erasure left (found by the phone's keyed hash, ERASURE_HASH_KEY; shown as \"an erasure suppression exists\", never the hash), the shopper's BSUIDs and Meta's marketing limits. See docs/data-lifecycle.md (access requests).",
        schema: SenderShopperDataSchema,
        example: SHOPPER_DATA_EXAMPLES.sender,
      }),
      '/v1/webhooks/whatsapp': {
        get: {
          operationId: 'verifyWhatsAppWebhook',
          tags: ['whatsapp webhooks'],
          summary: "Meta's verification handshake",
          description:
            'When the callback URL is saved in the Meta app, Meta calls it with `hub.mode=subscribe`, the verify token and a challenge; the sender echoes the challenge when the token is its own.',
          security: [{ whatsappVerifyToken: [] }],
          parameters: [
            {
              name: 'hub.mode',
              in: 'query',
              required: true,
              schema: { type: 'string', const: 'subscribe' },
            },
            {
              name: 'hub.challenge',
              in: 'query',
              required: true,
              description: 'Echoed back as the body.',
              schema: { type: 'string' },
              example: '1158201444',
            },
          ],
          responses: {
            '200': {
              description: 'Verified: the body is hub.challenge.',
              content: { 'text/plain': { schema: { type: 'string' }, example: '1158201444' } },
            },
            '403': {
              description: 'Not `subscribe`, or not the verify token (or none configured).',
              content: {
                'application/json': { schema: WhatsAppWebhookRefusalSchema, example: { error: 'verification failed' } },
              },
            },
          },
        },
        post: {
          operationId: 'receiveWhatsAppNotification',
          tags: ['whatsapp webhooks'],
          summary: 'Message statuses and shoppers’ replies',
          description:
            "Statuses move each message's state forward (never back) and are published on `message-outcomes`; a reply with an opt-out keyword (BAJA, STOP, …) publishes an opt-out. Answered once handled.",
          security: [{ whatsappSignature: [] }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: notificationSchema, example: notificationExample } },
          },
          responses: {
            '200': {
              description: 'Handled (or nothing in it the sender acts on).',
              content: { 'application/json': { schema: WhatsAppWebhookAckSchema, example: { ok: true } } },
            },
            '401': {
              description: 'The signature is missing or wrong (or no app secret is configured): nothing was read.',
              content: {
                'application/json': { schema: WhatsAppWebhookRefusalSchema, example: { error: 'invalid signature' } },
              },
            },
          },
        },
      },
    },
  });
}

/** The console's recent messages, as ingest forwards them (docs/console.md). */
function consoleMessagesOperation(): Json {
  const example = {
    storeId: 'lola-shoes',
    messages: [
      recentMessageOf({
        sendId: 'lola-shoes:cart-8812:1',
        cartId: 'cart-8812',
        phone: '+34600111222',
        state: 'read',
        reason: null,
        errorCode: null,
        history: [
          { status: 'sending', at: '2026-12-07T10:00:00.000Z' },
          { status: 'sent', at: '2026-12-07T10:00:01.000Z' },
          { status: 'delivered', at: '2026-12-07T10:00:03.000Z' },
          { status: 'read', at: '2026-12-07T10:04:00.000Z' },
        ],
        renderedText: 'Hola Ana, tu carrito te espera: https://lola-shoes.example/cart/8812',
        templateName: null,
        locale: 'es',
        createdAt: new Date('2026-12-07T10:00:00Z'),
      }),
    ],
  };
  return {
    operationId: 'getConsoleRecentMessages',
    tags: ['console'],
    summary: "A store's latest messages with their status history, phones masked",
    description:
      "Newest first by decision time: every message the sender decided for the store (sent, skipped, deferred, expired or failed), with each step's time, the text sent or the template's name, and why it did not go, as a code. Behind a console token for exactly that store, verified here (CONSOLE_SIGNING_KEYS; unset, refused); never an API key. Ingest's console API forwards the browser's token to it (CONSOLE_SENDER_URL).",
    security: [{ consoleToken: [] }],
    parameters: [
      {
        name: 'storeId',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        example: 'lola-shoes',
      },
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: `How many (default ${RECENT_MESSAGES_DEFAULT}, at most ${RECENT_MESSAGES_MAX}).`,
        schema: { type: 'integer', minimum: 1, maximum: RECENT_MESSAGES_MAX, default: RECENT_MESSAGES_DEFAULT },
      },
    ],
    responses: {
      '200': {
        description: 'The latest messages.',
        content: { 'application/json': { schema: ConsoleMessagesSchema, example } },
      },
      '400': errorAnswer(
        `limit not an integer from 1 to ${RECENT_MESSAGES_MAX}.`,
        400,
        'Bad Request',
        `limit: an integer from 1 to ${RECENT_MESSAGES_MAX}`,
      ),
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
    },
  };
}
