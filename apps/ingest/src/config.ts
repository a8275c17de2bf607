import { commonChecks, commonEnv, env, readConfig } from '@lib/config';
import type { EnvVar } from '@lib/config';
import { keyringEnv, keyringNotRead, linkSigningKeysEnv, phoneHashKeyEnv } from '@lib/secrets';
import { consoleSigningKeysEnv } from '@lib/console-access';
import { frameAncestorsEnv } from './console/console-headers';

export const ingestEnv = {
  ...commonEnv('ingest', 3001),
  INGEST_GROUP_ID: env.string('Consumer group of the raw cart-event consumers', { default: 'ingest' }),
  INGEST_EXTRA_SOURCE_TOPICS: env.list('More topics carrying raw cart events, besides cart-events-raw', {
    default: [],
  }),
  INGEST_MAX_FUTURE_SKEW_SECONDS: env.int('How far in the future occurredAt may be before the event is rejected', {
    default: 300,
    min: 0,
  }),
  INGEST_DEFAULT_COUNTRY: env.string('Country (ISO 3166-1 alpha-2) for national phone numbers of unknown stores', {
    default: 'ES',
    pattern: /^[A-Z]{2}$/,
  }),
  INGEST_STORE_SETTINGS_WAIT_MS: env.int(
    'How long start-up waits to read store-settings to its end before consuming raw events anyway',
    { default: 30_000, min: 0 },
  ),
  INGEST_CONCURRENCY: env.int('Partitions of cart-events-raw handled at once by one instance', {
    default: 3,
    min: 1,
    max: 64,
  }),
  INGEST_CONSUMERS: env.int(
    'Consumers of the raw topics per instance (one group): each fetches its partitions while another one is deciding',
    { default: 1, min: 1, max: 16 },
  ),
  INGEST_FETCH_BYTES_PER_PARTITION: env.int(
    'Most bytes of cart-events-raw fetched per partition at once (~600 events in 512 KiB): smaller saves memory, costs CPU',
    { default: 512 * 1024, min: 1024 },
  ),
  INGEST_FETCH_AHEAD_RECORDS: env.int(
    'Raw events fetched and not yet committed before fetching waits (about one round ahead); 0 turns fetching ahead off',
    { default: 4000, min: 0 },
  ),
  INGEST_DECISION_WORKERS: env.int(
    'Worker threads that parse and normalize raw batches beside the Kafka client (0: on the main thread)',
    { default: 1, min: 0, max: 16 },
  ),
  SECRETS_ENCRYPTION_KEYS: keyringEnv(
    "Keys sealing the stores' WhatsApp tokens and webhook secrets (AES-256-GCM): id:base64key,… of 32-byte keys; the first seals, all open (rotation: put the new key first, run reencrypt-secrets)",
  ),
  ERASURE_HASH_KEY: phoneHashKeyEnv(
    "Key of the phones' keyed hashes (HMAC-SHA256, 32 bytes in base64): an erasure request is kept with its phone's hash only. The same key in ingest, the scheduler and the sender. Unset: POST /v1/erasure-requests answers 503",
  ),
  INGEST_DECISION_WORKER_HEAP_MB: env.int('Heap limit of each decision worker thread, in MB', {
    default: 64,
    min: 16,
    max: 1024,
  }),
  INGEST_SHOPIFY_POLL_INTERVAL_SECONDS: env.int(
    'How often each store with a Shopify Admin API token is reconciled (abandonedCheckouts and orders updated since the last poll); 0 turns the poll off',
    { default: 900, min: 0, max: 86_400 },
  ),
  INGEST_SHOPIFY_POLL_LOOKBACK_HOURS: env.int("How far back a store's first reconciliation poll reaches", {
    default: 24,
    min: 1,
    max: 720,
  }),
  INGEST_SHOPIFY_ADMIN_API_VERSION: env.string(
    'Shopify Admin GraphQL API version the poll asks (Order.checkoutToken needs 2026-07 or later)',
    {
      default: '2026-10',
      pattern: /^(\d{4}-(01|04|07|10)|unstable)$/,
    },
  ),
  INGEST_SHOPIFY_ADMIN_API_URL: optionalUrl(
    "Base URL of the Admin API for every store instead of each store's https://<shopDomain> (a local stand-in such as test/shopify-simulator)",
  ),
  INGEST_SHOPIFY_TIMEOUT_MS: env.int('Timeout of one Admin API request of the poll', {
    default: 10_000,
    min: 100,
    max: 120_000,
  }),
  CONSOLE_SIGNING_KEYS: consoleSigningKeysEnv(
    "Keys signing the merchant console's tokens (HMAC-SHA256): id:base64key,… of 32-byte keys; the first signs, all verify (rotation: put the new key first, drop the old one after CONSOLE_TOKEN_MINUTES). The scheduler needs the same list (it verifies them for the stats). Unset: the console is off",
  ),
  LINK_SIGNING_KEYS: linkSigningKeysEnv(
    "Keys verifying recovery links' tokens (GET /r/{token}): the sender's LINK_SIGNING_KEYS, the same list of id:base64key,… (32-byte keys; the first signs, all verify). Unset: every /r/ link answers 404",
  ),
  LINK_WAIT_MS: env.int(
    'How long GET /r/{token} waits for a well-signed link not read from recovery-links yet before answering 404',
    { default: 3000, min: 0, max: 10_000 },
  ),
  CONSOLE_TOKEN_MINUTES: env.int('How long a console token lives, in minutes', { default: 15, min: 1, max: 60 }),
  CONSOLE_FRAME_ANCESTORS: frameAncestorsEnv(
    "Who may embed the console in a frame (CSP frame-ancestors): 'self', 'none' or https origins (https://*.myshopify.com), space- or comma-separated",
  ),
  CONSOLE_SCHEDULER_URL: optionalUrl(
    "The scheduler's base URL (http://scheduler:3002), for the console's stats: ingest forwards the console token, never an API key. Unset: the console shows none",
  ),
  CONSOLE_SENDER_URL: optionalUrl(
    "The sender's base URL (http://sender:3003), for the console's recent messages: ingest forwards the console token, never an API key. Unset: the console shows none",
  ),
  SHOPPER_DATA_SCHEDULER_URL: optionalUrl(
    "The scheduler's base URL (http://scheduler:3002), for a shopper's access request (GET /v1/shoppers/{phone}/data): ingest forwards the platform's API key it was called with. Unset: the route answers 503",
  ),
  SHOPPER_DATA_SENDER_URL: optionalUrl(
    "The sender's base URL (http://sender:3003), for a shopper's access request: ingest forwards the platform's API key it was called with (the sender needs the same API_KEYS). Unset: the route answers 503",
  ),
  CONSOLE_ASSETS_DIR: env.string("Folder of the console's built front end (npm run build writes dist/console)", {
    default: 'dist/console',
  }),
};

/** An http(s) URL, or nothing. */
function optionalUrl(description: string): EnvVar<string | undefined> {
  const url = env.url(description, { protocols: ['http', 'https'] });
  return { description, parse: (raw) => (raw === undefined || raw === '' ? undefined : url.parse(raw)) };
}

export type IngestConfig = ReturnType<typeof readIngestConfig>;

/** `command`: `migrate` reads no keyring (its Job is given only the database). */
export function readIngestConfig(source: NodeJS.ProcessEnv = process.env, command?: string) {
  const spec =
    command === 'migrate'
      ? { ...ingestEnv, SECRETS_ENCRYPTION_KEYS: keyringNotRead(ingestEnv.SECRETS_ENCRYPTION_KEYS.description) }
      : ingestEnv;
  return readConfig(spec, source, commonChecks);
}
