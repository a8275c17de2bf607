// The AsyncAPI 3 document of the topics (docs/api/asyncapi.yaml), built from libs/contracts and
// the services' configuration defaults: nothing here restates a topic, a key, a shape or a
// group name. `npm run contracts:asyncapi` writes it; scripts/contracts/asyncapi.spec.ts keeps
// the committed file equal to what this builds and validates it with @asyncapi/parser.
import { stringify } from 'yaml';
import { ingestEnv } from '../../apps/ingest/src/config';
import {
  PLATFORM_DELIVERY_HEADER,
  PLATFORM_TOPIC_HEADER,
  SOURCE_HEADER,
  STORE_ID_HEADER,
} from '../../apps/ingest/src/raw-events/accept-cart-event';
import { schedulerEnv } from '../../apps/scheduler/src/config';
import { senderEnv } from '../../apps/sender/src/config';
import {
  allTopics,
  CART_ID_PATTERN,
  cartKey,
  COMPACTED_TOPICS,
  DLQ_HEADER,
  dlqTopicOf,
  erasureCompletionKey,
  erasureRequestKey,
  jsonSchemaDocuments,
  optOutKey,
  PUBLISHED_SCHEMAS,
  type RejectReason,
  STORE_ID_PATTERN,
  TOPIC,
  type TopicKey,
  topicReplication,
} from '../../libs/contracts/src';
import { KAFKA_SASL_MECHANISMS } from '../../libs/config/src/connections';

/** Partitions of every topic as the local stack and docker-compose create them (KAFKA_PARTITIONS). */
export const DOCUMENTED_PARTITIONS = 6;
/** The cluster the document's replication is given for (`topicReplication`). */
export const DOCUMENTED_BROKERS = 3;
const KAFKA_BINDING_VERSION = '0.5.0';

type Json = Record<string, unknown>;
type PublishedName = keyof typeof PUBLISHED_SCHEMAS;

/** What each `dlq-reason` means; a Record over RejectReason so a new reason fails to compile here. */
const REJECT_REASONS: Record<RejectReason, string> = {
  'not-json': 'the value is not JSON',
  'too-large': 'the record is larger than the contracts allow (MAX_RECORD_BYTES)',
  'invalid-shape': 'the value does not match the schema',
  'unknown-schema-version': 'schemaVersion is not one this service reads',
  'unknown-type': 'the event type is not one the contract knows',
  'invalid-id': 'a store, cart or event id (or the record key) is missing or malformed',
  'invalid-money': 'an amount is not a decimal string with the currency digits',
  'invalid-time': 'a timestamp is not an ISO-8601 instant',
  'occurred-in-future': 'occurredAt is too far in the future',
  'unknown-source': 'the `source` header names no platform adapter',
  'invalid-settings': 'store settings the consumer cannot apply (time zone, hours, key not the storeId)',
  'handler-error': 'the service failed on the record; the partition moved on',
};

const storeIdKey = (): Json => ({
  type: 'string',
  pattern: STORE_ID_PATTERN,
  description: 'The storeId (a store-settings record is keyed by its store; compaction keeps the latest).',
  examples: ['lola-shoes'],
});

/** `storeId:cartId`, from cartKey: all of one cart's records share a partition and stay in order. */
const cartKeySchema = (): Json => ({
  type: 'string',
  pattern: `^${STORE_ID_PATTERN.slice(1, -1)}:${CART_ID_PATTERN.slice(1, -1)}$`,
  description: "`storeId:cartId` (cartKey): one cart's records stay in order on one partition.",
  examples: [cartKey('lola-shoes', 'c_1')],
});

const optOutKeySchema = (): Json => ({
  type: 'string',
  description: "`storeId:phone` (optOutKey): a shopper's opt-out belongs to no one cart.",
  examples: [optOutKey('lola-shoes', '+34600000000')],
});

interface MessageSpec {
  id: string;
  name: string;
  title: string;
  summary: string;
  /** A published schema (payload = its component), or a schema of its own (tombstone, raw bytes). */
  payload: PublishedName | Json;
  key: Json;
  headers?: Json;
}

interface ChannelSpec {
  topic: TopicKey;
  description: string;
  messages: MessageSpec[];
}

const rawHeaders = (): Json => ({
  type: 'object',
  required: [SOURCE_HEADER],
  properties: {
    [SOURCE_HEADER]: {
      type: 'string',
      description: 'The platform adapter that reads this native payload (e.g. `shopify`).',
      examples: ['shopify'],
    },
    [STORE_ID_HEADER]: {
      type: 'string',
      pattern: STORE_ID_PATTERN,
      description: "The store (else the key's part before `:`).",
    },
    [PLATFORM_TOPIC_HEADER]: {
      type: 'string',
      description: "The platform's own event name (Shopify: `checkouts/update`, …).",
      examples: ['checkouts/update'],
    },
    [PLATFORM_DELIVERY_HEADER]: { type: 'string', description: "The platform's delivery id of the webhook." },
  },
});

const CHANNELS: ChannelSpec[] = [
  {
    topic: 'cartEventsRaw',
    description:
      "Cart events as platforms send them: canonical events, or a platform's native payload with a `source` header. ingest normalizes each into exactly one cart-events record or one dead letter.",
    messages: [
      {
        id: 'canonicalCartEvent',
        name: 'CanonicalCartEvent',
        title: 'Canonical cart event (no `source` header)',
        summary: 'A cart event in the canonical shape; ingest checks and normalizes it.',
        payload: 'cart-event.v1',
        key: {
          type: ['string', 'null'],
          description: 'Optional (`storeId:cartId` by convention); the output key is always derived from the event.',
        },
      },
      {
        id: 'platformCartPayload',
        name: 'PlatformCartPayload',
        title: "A platform's native payload (with a `source` header)",
        summary: "A platform's webhook body, bytes unchanged, read by the adapter the `source` header names.",
        payload: { type: 'object', description: "The platform's own JSON (a Shopify checkout or order, …)." },
        key: {
          type: ['string', 'null'],
          description: '`storeId:<checkout token>` when the webhook route writes it; optional.',
        },
        headers: rawHeaders(),
      },
    ],
  },
  {
    topic: 'cartEvents',
    description: 'Canonical, normalized cart events: what happened to each cart.',
    messages: [
      {
        id: 'cartEvent',
        name: 'CartEvent',
        title: 'Cart event',
        summary: 'A cart was updated, checked out or converted.',
        payload: 'cart-event.v1',
        key: cartKeySchema(),
      },
    ],
  },
  {
    topic: 'storeSettings',
    description:
      "Each store's settings as the admin API wrote them; log-compacted, so the latest record per store is the store's configuration and a null value (tombstone) deletes it. Consumers fill defaults before validating.",
    messages: [
      {
        id: 'storeSettings',
        name: 'StoreSettings',
        title: 'Store settings',
        summary: "A store's whole configuration.",
        payload: 'store-settings.v1',
        key: storeIdKey(),
      },
      {
        id: 'storeDeleted',
        name: 'StoreDeleted',
        title: 'Store deleted (tombstone)',
        summary: 'A null value: the store is deleted and compaction will remove its settings.',
        payload: { type: 'null' },
        key: storeIdKey(),
      },
    ],
  },
  {
    topic: 'sendDue',
    description: "A cart's reminder is due now: the scheduler emits it when the cart's timer fires.",
    messages: [
      {
        id: 'sendDue',
        name: 'SendDue',
        title: 'Send due',
        summary: 'Send this reminder of this cart (the sender decides whether it still may).',
        payload: 'send-due.v1',
        key: cartKeySchema(),
      },
    ],
  },
  {
    topic: 'messageOutcomes',
    description:
      "What became of each send (sent, delivered, read, failed, …) and shoppers' opt-outs; the record with `type` is an opt-out.",
    messages: [
      {
        id: 'messageOutcome',
        name: 'MessageOutcome',
        title: 'Message outcome',
        summary: 'A status of one send.',
        payload: 'message-outcome.v1',
        key: cartKeySchema(),
      },
      {
        id: 'customerOptedOut',
        name: 'CustomerOptedOut',
        title: 'Customer opted out',
        summary: 'A shopper asked for no more messages from the store.',
        payload: 'customer-opted-out.v1',
        key: optOutKeySchema(),
      },
    ],
  },
  {
    topic: 'erasureRequests',
    description:
      "Erase a shopper's data (their phone at one store, or at every store): ingest writes each request its API accepted; the scheduler and the sender erase their rows and answer on erasure-completions.",
    messages: [
      {
        id: 'erasureRequest',
        name: 'ErasureRequest',
        title: 'Erasure request',
        summary: 'Erase everything held about this phone (at this store, or every store when storeId is null).',
        payload: 'erasure-request.v1',
        key: {
          type: 'string',
          description: "The phone (erasureRequestKey): one shopper's requests stay in order on one partition.",
          examples: [erasureRequestKey('+34600000000')],
        },
      },
    ],
  },
  {
    topic: 'erasureCompletions',
    description: 'Each service reports here when it has erased what a request names; ingest records the time.',
    messages: [
      {
        id: 'erasureCompletion',
        name: 'ErasureCompletion',
        title: 'Erasure completion',
        summary: 'One service has erased the shopper of this request.',
        payload: 'erasure-completion.v1',
        key: {
          type: 'string',
          description: 'The request id (erasureCompletionKey).',
          examples: [erasureCompletionKey('0b5f3f6e-8d8e-4e4b-9a8e-2f1c7d9b6a11')],
        },
      },
    ],
  },
  {
    topic: 'recoveryLinks',
    description:
      "Each message's click-tracked link: the sender writes it before the message can go out; ingest keeps it in recovery_links and redirects GET /r/{token} to its destination.",
    messages: [
      {
        id: 'recoveryLink',
        name: 'RecoveryLink',
        title: 'Recovery link',
        summary: 'The token of one message (sendId) and the store URL it redirects to.',
        payload: 'recovery-link.v1',
        key: cartKeySchema(),
      },
    ],
  },
  {
    topic: 'linkClicks',
    description:
      "A shopper followed a message's link (link previews and bots not counted): ingest writes each counted click with the link's totals; the scheduler counts clicked messages in its stats.",
    messages: [
      {
        id: 'linkClick',
        name: 'LinkClick',
        title: 'Link click',
        summary: 'A counted click on the link of one message, with its first click time and count so far.',
        payload: 'link-click.v1',
        key: cartKeySchema(),
      },
    ],
  },
];

function dlqHeaders(): Json {
  const described: Record<keyof typeof DLQ_HEADER, Json> = {
    reason: { type: 'string', enum: Object.keys(REJECT_REASONS), description: 'Why the record was refused.' },
    error: { type: 'string', maxLength: 2000, description: 'The human explanation (first 2,000 characters).' },
    sourceTopic: { type: 'string', description: 'The topic the record was read from.' },
    sourcePartition: { type: 'string', pattern: '^\\d+$', description: 'Its partition (decimal).' },
    sourceOffset: { type: 'string', pattern: '^\\d+$', description: 'Its offset (decimal).' },
  };
  const properties: Json = {};
  for (const [k, name] of Object.entries(DLQ_HEADER)) properties[name] = described[k as keyof typeof DLQ_HEADER];
  return {
    type: 'object',
    description: `Every dead letter carries these, besides the record's own headers. dlq-reason: ${Object.entries(
      REJECT_REASONS,
    )
      .map(([r, d]) => `\`${r}\` ${d}`)
      .join('; ')}.`,
    required: Object.values(DLQ_HEADER),
    properties,
  };
}

interface OperationSpec {
  service: 'ingest' | 'scheduler' | 'sender';
  action: 'send' | 'receive';
  /** The channel id: a TopicKey, or `<TopicKey>Dlq`. */
  channel: string;
  groupId?: Json;
  summary: string;
}

const defaultOf = (v: { parse(raw: string | undefined): unknown }): string => String(v.parse(undefined));

function operations(): OperationSpec[] {
  const group = (v: { parse(raw: string | undefined): unknown }, variable: string): Json => ({
    type: 'string',
    default: defaultOf(v),
    description: `The consumer group: ${variable} (its default shown).`,
  });
  const ingest = group(ingestEnv.INGEST_GROUP_ID, 'INGEST_GROUP_ID');
  const scheduler = group(schedulerEnv.SCHEDULER_GROUP_ID, 'SCHEDULER_GROUP_ID');
  const sender = group(senderEnv.SENDER_GROUP_ID, 'SENDER_GROUP_ID');
  const facts = group(senderEnv.SENDER_FACTS_GROUP_ID, 'SENDER_FACTS_GROUP_ID');
  const ingestDirectory: Json = {
    type: 'string',
    pattern: `^${defaultOf(ingestEnv.INGEST_GROUP_ID)}-store-settings-[0-9a-f-]{36}$`,
    description:
      '`<INGEST_GROUP_ID>-store-settings-<uuid>`: a group of its own per process, read from the beginning (every instance sees every store).',
  };
  const ingestErasures: Json = {
    type: 'string',
    default: `${defaultOf(ingestEnv.INGEST_GROUP_ID)}-erasures`,
    description: '`<INGEST_GROUP_ID>-erasures` (its default shown).',
  };
  const ingestLinks: Json = {
    type: 'string',
    default: `${defaultOf(ingestEnv.INGEST_GROUP_ID)}-links`,
    description: '`<INGEST_GROUP_ID>-links` (its default shown).',
  };
  return [
    {
      service: 'ingest',
      action: 'receive',
      channel: 'recoveryLinks',
      groupId: ingestLinks,
      summary: 'Keep every message link for GET /r/{token}.',
    },
    {
      service: 'ingest',
      action: 'send',
      channel: 'recoveryLinksDlq',
      summary: 'Dead-letter links it cannot read.',
    },
    {
      service: 'ingest',
      action: 'send',
      channel: 'linkClicks',
      summary: 'Publish each counted click on a link.',
    },
    {
      service: 'scheduler',
      action: 'receive',
      channel: 'linkClicks',
      groupId: scheduler,
      summary: 'Count clicked messages in the stats.',
    },
    {
      service: 'scheduler',
      action: 'send',
      channel: 'linkClicksDlq',
      summary: 'Dead-letter clicks it cannot read.',
    },
    {
      service: 'sender',
      action: 'send',
      channel: 'recoveryLinks',
      summary: "Publish each message's tracked link before the message can go out.",
    },
    {
      service: 'ingest',
      action: 'receive',
      channel: 'cartEventsRaw',
      groupId: ingest,
      summary: 'Normalize raw cart events.',
    },
    {
      service: 'ingest',
      action: 'receive',
      channel: 'storeSettings',
      groupId: ingestDirectory,
      summary: "Follow every store's settings (countries, webhook secrets).",
    },
    {
      service: 'ingest',
      action: 'send',
      channel: 'cartEventsRaw',
      summary:
        'Write Shopify webhook bodies, bytes unchanged, with their `source` headers (platforms also produce here directly).',
    },
    {
      service: 'ingest',
      action: 'send',
      channel: 'cartEvents',
      summary: 'Publish canonical cart events (raw topic, cart-events API).',
    },
    {
      service: 'ingest',
      action: 'send',
      channel: 'storeSettings',
      summary: 'Publish store settings written through the admin API, and tombstones.',
    },
    {
      service: 'ingest',
      action: 'send',
      channel: 'erasureRequests',
      summary: 'Publish the erasure requests its API accepted.',
    },
    {
      service: 'ingest',
      action: 'receive',
      channel: 'erasureCompletions',
      groupId: ingestErasures,
      summary: "Record each service's completion of an erasure request.",
    },
    {
      service: 'ingest',
      action: 'send',
      channel: 'erasureCompletionsDlq',
      summary: 'Dead-letter completions it cannot read.',
    },
    {
      service: 'ingest',
      action: 'send',
      channel: 'cartEventsRawDlq',
      summary: 'Dead-letter raw events that cannot become a canonical event.',
    },
    {
      service: 'scheduler',
      action: 'receive',
      channel: 'cartEvents',
      groupId: scheduler,
      summary: "Track each cart's abandonment and its timer.",
    },
    {
      service: 'scheduler',
      action: 'receive',
      channel: 'storeSettings',
      groupId: scheduler,
      summary: "Apply each store's reminder plan and hours.",
    },
    {
      service: 'scheduler',
      action: 'receive',
      channel: 'messageOutcomes',
      groupId: scheduler,
      summary: 'Record outcomes and opt-outs (stats, no more reminders).',
    },
    { service: 'scheduler', action: 'send', channel: 'sendDue', summary: "Emit a reminder when a cart's timer fires." },
    {
      service: 'scheduler',
      action: 'receive',
      channel: 'erasureRequests',
      groupId: scheduler,
      summary: "Erase the shopper's carts, episodes and contact rows (counts kept in stats_daily).",
    },
    {
      service: 'scheduler',
      action: 'send',
      channel: 'erasureCompletions',
      summary: 'Report the erasure done.',
    },
    {
      service: 'scheduler',
      action: 'send',
      channel: 'erasureRequestsDlq',
      summary: 'Dead-letter erasure requests it cannot read.',
    },
    {
      service: 'scheduler',
      action: 'send',
      channel: 'cartEventsDlq',
      summary: 'Dead-letter cart events it cannot read.',
    },
    {
      service: 'scheduler',
      action: 'send',
      channel: 'storeSettingsDlq',
      summary: 'Dead-letter store settings it cannot apply.',
    },
    {
      service: 'scheduler',
      action: 'send',
      channel: 'messageOutcomesDlq',
      summary: 'Dead-letter outcomes it cannot read.',
    },
    {
      service: 'sender',
      action: 'receive',
      channel: 'sendDue',
      groupId: sender,
      summary: 'Send each due reminder over WhatsApp (after the facts are read).',
    },
    {
      service: 'sender',
      action: 'receive',
      channel: 'storeSettings',
      groupId: facts,
      summary: "Know each store's WhatsApp settings and templates.",
    },
    {
      service: 'sender',
      action: 'receive',
      channel: 'cartEvents',
      groupId: facts,
      summary: 'Know which carts closed (no reminder for a bought cart).',
    },
    {
      service: 'sender',
      action: 'receive',
      channel: 'messageOutcomes',
      groupId: facts,
      summary: 'Know which shoppers opted out.',
    },
    {
      service: 'sender',
      action: 'send',
      channel: 'messageOutcomes',
      summary: 'Publish outcomes of sends and opt-outs from replies.',
    },
    {
      service: 'sender',
      action: 'receive',
      channel: 'erasureRequests',
      groupId: sender,
      summary: "Erase the shopper's messages, slots and facts; keep an opt-out as a hashed suppression.",
    },
    {
      service: 'sender',
      action: 'send',
      channel: 'erasureCompletions',
      summary: 'Report the erasure done.',
    },
    {
      service: 'sender',
      action: 'send',
      channel: 'erasureRequestsDlq',
      summary: 'Dead-letter erasure requests it cannot read.',
    },
    {
      service: 'sender',
      action: 'send',
      channel: 'sendDueDlq',
      summary: 'Dead-letter send-due records it cannot read.',
    },
    {
      service: 'sender',
      action: 'send',
      channel: 'storeSettingsDlq',
      summary: 'Dead-letter store settings it cannot apply.',
    },
  ];
}

const ref = (path: string): Json => ({ $ref: `#/${path}` });

function securitySchemes(): Json {
  const schemes: Json = {
    saslScramSha512: {
      type: 'scramSha512',
      description:
        'KAFKA_SECURITY_PROTOCOL=SASL_SSL, KAFKA_SASL_MECHANISM=SCRAM-SHA-512, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD(_FILE).',
    },
    saslScramSha256: {
      type: 'scramSha256',
      description:
        'KAFKA_SECURITY_PROTOCOL=SASL_SSL, KAFKA_SASL_MECHANISM=SCRAM-SHA-256, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD(_FILE).',
    },
    saslPlain: {
      type: 'plain',
      description:
        'KAFKA_SECURITY_PROTOCOL=SASL_SSL, KAFKA_SASL_MECHANISM=PLAIN (e.g. Confluent Cloud API keys), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD(_FILE).',
    },
    saslOauthBearer: {
      type: 'oauth2',
      description:
        "KAFKA_SECURITY_PROTOCOL=SASL_SSL, KAFKA_SASL_MECHANISM=OAUTHBEARER, KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: the services read the token from that file (re-read when it changes), written by the platform's identity (workload identity, MSK IAM sidecar); the token URL below is a placeholder for that provider.",
      flows: { clientCredentials: { tokenUrl: 'https://auth.example.com/oauth2/token', availableScopes: {} } },
    },
    mutualTls: {
      type: 'X509',
      description:
        "KAFKA_SECURITY_PROTOCOL=SSL with KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE (client certificate), KAFKA_SSL_CA_FILE for the brokers' CAs.",
    },
  };
  // Every SASL mechanism the services accept has its scheme (and no other is documented).
  const byMechanism: Record<(typeof KAFKA_SASL_MECHANISMS)[number], string> = {
    PLAIN: 'saslPlain',
    'SCRAM-SHA-256': 'saslScramSha256',
    'SCRAM-SHA-512': 'saslScramSha512',
    OAUTHBEARER: 'saslOauthBearer',
  };
  for (const m of KAFKA_SASL_MECHANISMS)
    if (!(byMechanism[m] in schemes)) throw new Error(`no security scheme for ${m}`);
  return schemes;
}

/** The AsyncAPI document as an object. */
export function asyncApiDocument(): Json {
  const topics = new Map(allTopics('', { brokers: DOCUMENTED_BROKERS }).map((t) => [t.name, t]));
  const replicas = topicReplication(DOCUMENTED_BROKERS);
  const schemas: Json = {};
  const componentOf = {} as Record<PublishedName, string>;
  for (const [name, text] of Object.entries(jsonSchemaDocuments())) {
    const { $schema: _s, $id, ...schema } = JSON.parse(text) as Json;
    const component = String($id);
    schemas[component] = schema;
    componentOf[name as PublishedName] = component;
  }

  const channels: Json = {};
  const messages: Json = {};
  const channelBinding = (name: string): Json => {
    const spec = topics.get(name);
    if (!spec) throw new Error(`topic ${name} is not in allTopics()`);
    // The contract's configuration as the binding types it: cleanup.policy a list, numbers numbers.
    const { 'cleanup.policy': cleanup, ...rest } = spec.config;
    const topicConfiguration: Json = { 'cleanup.policy': [cleanup ?? 'delete'] };
    for (const [k, v] of Object.entries(rest)) topicConfiguration[k] = /^\d+$/.test(v) ? Number(v) : v;
    return {
      kafka: {
        topic: name,
        partitions: DOCUMENTED_PARTITIONS,
        replicas: spec.replicationFactor,
        topicConfiguration,
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    };
  };

  const dlqMessage: Json = {
    name: 'DeadLetter',
    title: 'Dead letter',
    summary:
      "A record its consumer refused: the original key and bytes unchanged, the record's own headers kept, plus the dlq-* headers.",
    contentType: 'application/octet-stream',
    headers: dlqHeaders(),
    payload: { description: 'The original value, bytes unchanged (may be null, not JSON or too large).' },
    bindings: {
      kafka: {
        key: { type: ['string', 'null'], description: "The original record's key, unchanged." },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
  messages.deadLetter = dlqMessage;

  for (const c of CHANNELS) {
    const name = TOPIC[c.topic];
    const channelMessages: Json = {};
    for (const m of c.messages) {
      messages[m.id] = {
        name: m.name,
        title: m.title,
        summary: m.summary,
        contentType: 'application/json',
        ...(m.headers ? { headers: m.headers } : {}),
        payload: typeof m.payload === 'string' ? ref(`components/schemas/${componentOf[m.payload]}`) : m.payload,
        bindings: { kafka: { key: m.key, bindingVersion: KAFKA_BINDING_VERSION } },
      };
      channelMessages[m.id] = ref(`components/messages/${m.id}`);
    }
    channels[c.topic] = {
      address: name,
      title: name,
      description: `${c.description}${COMPACTED_TOPICS.includes(name) ? ' Log-compacted.' : ''}`,
      messages: channelMessages,
      bindings: channelBinding(name),
    };
    const dlq = dlqTopicOf(name);
    channels[`${c.topic}Dlq`] = {
      address: dlq,
      title: dlq,
      description: `Dead letters of \`${name}\`: records its consumers could not use, kept as they were (never compacted, same size limit).`,
      messages: { deadLetter: ref('components/messages/deadLetter') },
      bindings: channelBinding(dlq),
    };
  }

  const ops: Json = {};
  for (const o of operations()) {
    const channel = channels[o.channel] as { messages: Json } | undefined;
    if (!channel) throw new Error(`operation on unknown channel ${o.channel}`);
    const id = `${o.service}${o.action === 'send' ? 'Sends' : 'Receives'}${o.channel[0].toUpperCase()}${o.channel.slice(1)}`;
    const clientId = defaultOf(
      { ingest: ingestEnv, scheduler: schedulerEnv, sender: senderEnv }[o.service].KAFKA_CLIENT_ID,
    );
    ops[id] = {
      action: o.action,
      channel: ref(`channels/${o.channel}`),
      summary: o.summary,
      tags: [{ name: o.service }],
      messages: Object.keys(channel.messages).map((m) => ref(`channels/${o.channel}/messages/${m}`)),
      bindings: {
        kafka: {
          ...(o.groupId ? { groupId: o.groupId } : {}),
          clientId: {
            type: 'string',
            default: clientId,
            description: "KAFKA_CLIENT_ID (its default shown): the prefix of the service's client ids.",
          },
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
    };
  }

  const security = ['saslScramSha512', 'saslScramSha256', 'saslPlain', 'saslOauthBearer', 'mutualTls'].map((s) =>
    ref(`components/securitySchemes/${s}`),
  );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Cart recovery topics',
      version: '1.0.0',
      description: [
        'The Kafka topics of the ingest → scheduler → sender pipeline: names, record keys, payload JSON Schemas (libs/contracts/json-schema), dead-letter headers, topic layout and consumer groups.',
        `Generated from libs/contracts by \`npm run contracts:asyncapi\`; do not edit by hand.`,
        `Every address can carry the environment's TOPIC_PREFIX. Replicas are given for a cluster of ${DOCUMENTED_BROKERS} brokers (min.insync.replicas ${replicas.minInSyncReplicas}); one broker has 1/1. Partitions are the local stack's default (KAFKA_PARTITIONS).`,
      ].join('\n\n'),
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      tags: [{ name: 'ingest' }, { name: 'scheduler' }, { name: 'sender' }],
    },
    defaultContentType: 'application/json',
    servers: {
      production: {
        host: 'kafka.example.com:9093',
        protocol: 'kafka-secure',
        title: 'A managed cluster (placeholder)',
        description:
          'A cluster of three or more brokers over SASL_SSL (or mutual TLS); the services accept any one of these schemes (docs/managed-services.md).',
        security,
      },
      local: {
        host: 'localhost:9092',
        protocol: 'kafka',
        title: 'The local stack',
        description: '`npm run stack:up` (PLAINTEXT, one broker; `-- --nodes 3` for three).',
      },
    },
    channels,
    operations: ops,
    components: { schemas, messages, securitySchemes: securitySchemes() },
  };
}

/** The document as written to docs/api/asyncapi.yaml. */
export function asyncApiYaml(): string {
  return (
    '# Generated by `npm run contracts:asyncapi` (scripts/contracts/asyncapi.ts) from libs/contracts; do not edit.\n' +
    stringify(asyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false, singleQuote: true })
  );
}

/** The published schema names and the component each became (for the sync test). */
export function publishedSchemaComponents(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(jsonSchemaDocuments())) out[name] = String((JSON.parse(text) as Json).$id);
  return out;
}
