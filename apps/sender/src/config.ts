import { commonChecks, commonEnv, env, EnvVar, readConfig, type ConfigCheck } from '@lib/config';
import { keyringEnv, keyringNotRead, linkSigningKeysEnv, phoneHashKeyEnv } from '@lib/secrets';
import { consoleSigningKeysEnv } from '@lib/console-access';
import { CLOSURE_DECIDES_DAYS, SLOT_DECIDES_DAYS } from './retention/retention-rule';

/** Keywords that opt a shopper out when a reply is exactly one of them (any case or accent). */
export const DEFAULT_OPT_OUT_KEYWORDS = ['STOP', 'BAJA', 'PARAR', 'CANCELAR', 'UNSUBSCRIBE'];

export const senderEnv = {
  ...commonEnv('sender', 3003),
  SENDER_GROUP_ID: env.string('Consumer group of send-due', { default: 'sender' }),
  SENDER_FACTS_GROUP_ID: env.string(
    'Consumer group of what the sender must know before sending: store-settings, cart-events, message-outcomes',
    { default: 'sender-facts' },
  ),
  SENDER_FACTS_CATCH_UP_TIMEOUT_MS: env.int(
    'At start, how long send-due waits for the facts group to read what was already published (then it starts anyway)',
    { default: 60_000, min: 0 },
  ),
  SENDER_FETCH_BYTES_PER_PARTITION: env.int(
    'Most bytes of send-due fetched per partition at once: what waits in memory for its turn at the Graph API',
    { default: 1_048_576, min: 1024 },
  ),
  SENDER_CONSUMER_CONCURRENCY: env.int('send-due partitions handled at once by one instance', {
    default: 6,
    min: 1,
    max: 64,
  }),
  // Larger than a usual fetch (1 MB per partition, ~1,400 send-dues): slicing only bounds an
  // unusual fetch; smaller slices wait on each other and cost throughput.
  SENDER_BATCH_SLICE: env.int('send-due records of a fetched batch decided and sent together (bounds memory)', {
    default: 2000,
    min: 1,
    max: 20_000,
  }),
  SENDER_MAX_IN_FLIGHT: env.int('Graph API calls in flight at once per instance (all partitions together)', {
    default: 256,
    min: 1,
    max: 4096,
  }),
  WHATSAPP_GRAPH_BASE_URL: env.url('Graph API base URL (Meta: https://graph.facebook.com)', {
    default: 'https://graph.facebook.com',
    protocols: ['http', 'https'],
  }),
  WHATSAPP_GRAPH_VERSION: env.string(
    'Graph API version (v26.0 is current since July 2026; v23.0 expires October 2027)',
    {
      default: 'v26.0',
      pattern: /^v\d+\.\d+$/,
    },
  ),
  WHATSAPP_MARKETING_STRICT: env.bool(
    "Send product_policy STRICT on /marketing_messages: Meta never delivers the template through the Cloud API instead (where a marketing template lives 30 days, not its own time-to-live); false leaves Meta's default (CLOUD_API_FALLBACK)",
    { default: true },
  ),
  WHATSAPP_MARKETING_TERMS_FALLBACK: env.bool(
    'When a business has not accepted the Marketing Messages API terms (131055), send its marketing templates through /messages instead (no time-to-live there: 30 days) rather than pausing the store',
    { default: false },
  ),
  SENDER_MARKET_BLOCK_US: env.bool(
    'Skip marketing templates to United States numbers (+1 with a US area code; Canada and other +1 countries are not blocked) as market-blocked: Meta has not delivered them since April 2025',
    { default: true },
  ),
  WHATSAPP_TIMEOUT_MS: env.int('Timeout of one Graph API call', { default: 10_000, min: 100 }),
  WHATSAPP_THROUGHPUT_PER_SECOND: env.int('Messages per second per business phone number id (Meta: 80 by default)', {
    default: 80,
    min: 1,
    max: 1000,
  }),
  WHATSAPP_THROUGHPUT_BY_NUMBER: throughputByNumber(
    'Numbers Meta upgraded: phoneNumberId:messagesPerSecond,… (each 1–1000); the others keep WHATSAPP_THROUGHPUT_PER_SECOND',
  ),
  WHATSAPP_THROUGHPUT_MARGIN_MS: env.int(
    "Added to Meta's 1-s window when pacing a number: room for requests that reach Meta later than they left (network jitter, a busy host); 50 costs 5% of the rate",
    { default: 50, min: 0, max: 1000 },
  ),
  WHATSAPP_PAIR_INTERVAL_MS: env.int(
    'Least time between two messages from one business number to one shopper (Meta: about 6 s); 0 turns it off',
    { default: 6000, min: 0 },
  ),
  WHATSAPP_MAX_ATTEMPTS: env.int('Tries of one message on transient errors before it fails', {
    default: 8,
    min: 1,
    max: 50,
  }),
  // Optional so the sender runs where no webhook reaches it; without them every webhook is refused.
  ERASURE_HASH_KEY: phoneHashKeyEnv(
    "Key of the phones' keyed hashes (HMAC-SHA256, 32 bytes in base64), ingest's and the scheduler's same key: an erased shopper's opt-out is kept as the hash of their phone (a suppression), checked before every send. Never change or drop it once erasures were done (the suppressions would no longer match). Unset: erasure requests wait on their topic",
  ),
  SECRETS_ENCRYPTION_KEYS: keyringEnv(
    "Keys opening the stores' WhatsApp access tokens, as ingest sealed them: id:base64key,… (ingest's SECRETS_ENCRYPTION_KEYS, or at least the keys still in use); a store whose token does not open is paused",
  ),
  LINK_SIGNING_KEYS: linkSigningKeysEnv(
    "Keys signing the messages' recovery links (GET /r/{token} on ingest, which needs the same list): id:base64key,… of 32-byte keys; the first signs, all verify (rotation: put the new key first, drop the old one 30 days later). Unset: messages keep each store's own recovery URL, links.baseUrl or not",
  ),
  WHATSAPP_APP_SECRET: env.optionalString(
    'Meta app secret: X-Hub-Signature-256 of webhooks is checked with it (unset: every webhook POST is refused)',
    { secret: true },
  ),
  WHATSAPP_VERIFY_TOKEN: env.optionalString(
    'Token Meta sends in the webhook verification handshake (unset: every handshake is refused)',
    { secret: true },
  ),
  OPT_OUT_KEYWORDS: env.list('Replies that opt a shopper out (case- and accent-insensitive)', {
    default: DEFAULT_OPT_OUT_KEYWORDS,
  }),
  SENDER_AMBIGUOUS_SETTLE_MS: env.int(
    'After a call whose answer was lost (timeout), how long to wait for a status webhook carrying the sendId before trying again',
    { default: 15_000, min: 0 },
  ),
  SENDER_TAKE_OVER_AFTER_MS: env.int(
    'An intent written this long ago and never called (its process died) is taken over and sent by another process',
    { default: 2 * 60_000, min: 1000 },
  ),
  SENDER_UNKNOWN_AFTER_MS: env.int(
    'A message called but left in `sending` (crash between call and answer) with no status webhook is marked unknown after this',
    { default: 10 * 60_000, min: 1000 },
  ),
  SENDER_DEFERRAL_POLL_MS: env.int('How often deferred messages whose opening came are looked at again', {
    default: 5000,
    min: 100,
  }),
  SENDER_DEFERRAL_BATCH_SIZE: env.int('Deferred messages claimed at once', { default: 500, min: 1, max: 10_000 }),
  // Retention (docs/data-lifecycle.md, "The sender's tables"): names and defaults as the scheduler's where the class is the same.
  RETENTION_MESSAGE_DAYS: env.int(
    "Days a settled message row (its sendId's never-twice fence, phone and status history) is kept after its last change; never one sending or deferred, never an unknown one. At least 22: no send-due for its sendId can come later (cart-events' 22 days of replay, send-due's 7); at most the scheduler's RETENTION_CLOSED_CART_DAYS, so a purged cart's reused id is not taken for a duplicate",
    { default: 90, min: 22, max: 3650 },
  ),
  RETENTION_MESSAGE_BODY_DAYS: env.int(
    "Days after a message's last change its rendered text, filled template and send-due copy are blanked (the row stays); never while sending or deferred. At most RETENTION_MESSAGE_DAYS",
    { default: 30, min: 1, max: 3650 },
  ),
  RETENTION_CART_CLOSURE_DAYS: env.int(
    `Days a cart's conversion or emptying is kept after it occurred. At least ${CLOSURE_DECIDES_DAYS}: a send-due it could skip expires by then (abandonAfterMinutes ≤ 24 h, then maxDeferralHours ≤ 14 days)`,
    { default: 30, min: Math.ceil(CLOSURE_DECIDES_DAYS), max: 3650 },
  ),
  RETENTION_CONTACT_HOLD_DAYS: env.int(
    `Days a shopper's frequency slot is kept after its hold and last message ended (opt-outs are kept apart, always). At least ${SLOT_DECIDES_DAYS}: the store's minHoursBetweenMessages (≤ 720 h) may grow after the hold was written`,
    { default: 30, min: Math.ceil(SLOT_DECIDES_DAYS), max: 3650 },
  ),
  RETENTION_DELETED_STORE_DAYS: env.int(
    "Days after a store's deletion (DELETE /v1/stores/{id}, a store-settings tombstone) before every row of it goes: its messages (whatever their state), cart closures, frequency slots, opt-outs and suppressions, shopper identities and marketing limits. The grace lets a platform undo a mistaken deletion by PUTting the store again, which keeps everything",
    { default: 30, min: 1, max: 3650 },
  ),
  SENDER_PURGE_ENABLED: env.bool('Run the retention purge on this instance (instances take turns on a lock)', {
    default: true,
  }),
  SENDER_PURGE_BATCH_SIZE: env.int('Rows one purge transaction looks at (and may delete or blank)', {
    default: 500,
    min: 1,
    max: 10_000,
  }),
  SENDER_PURGE_PAUSE_MS: env.int('Pause between two purge transactions of a sweep (off the hot path)', {
    default: 200,
    min: 0,
    max: 60_000,
  }),
  SENDER_PURGE_INTERVAL_MS: env.int('Pause between two sweeps of the tables, once a sweep reached their end', {
    default: 3_600_000,
    min: 100,
  }),
  CONSOLE_SIGNING_KEYS: consoleSigningKeysEnv(
    "Keys verifying the merchant console's tokens for its recent messages: ingest's CONSOLE_SIGNING_KEYS, the same list. Unset: the console's messages are refused",
  ),
};

/** A message's body cannot outlive its row. */
const retentionChecks: ConfigCheck = (c) =>
  typeof c.RETENTION_MESSAGE_BODY_DAYS === 'number' &&
  typeof c.RETENTION_MESSAGE_DAYS === 'number' &&
  c.RETENTION_MESSAGE_BODY_DAYS > c.RETENTION_MESSAGE_DAYS
    ? [
        `RETENTION_MESSAGE_BODY_DAYS: ${c.RETENTION_MESSAGE_BODY_DAYS} is more than RETENTION_MESSAGE_DAYS (${c.RETENTION_MESSAGE_DAYS}); a body goes with its row at the latest`,
      ]
    : [];

/**
 * `WHATSAPP_THROUGHPUT_BY_NUMBER`: per-number limits, `106540352242922:1000,106540352249999:250`.
 * Every bad entry is named, a number given twice too (which one was meant?).
 */
export function throughputByNumber(description: string): EnvVar<Record<string, number>> {
  return {
    description,
    parse(raw) {
      const limits: Record<string, number> = {};
      if (raw === undefined) return limits;
      const problems: string[] = [];
      for (const entry of raw.split(',').map((e) => e.trim())) {
        const match = /^(\d+):(\d+)$/.exec(entry);
        if (!match) {
          problems.push(`"${entry}" is not phoneNumberId:messagesPerSecond`);
          continue;
        }
        const [, id, perSecond] = match;
        const limit = Number(perSecond);
        if (limit < 1 || limit > 1000) problems.push(`${id}: ${limit}/s is outside 1–1000`);
        else if (id in limits) problems.push(`${id} is given twice`);
        else limits[id] = limit;
      }
      if (problems.length) throw new Error(problems.join('; '));
      return limits;
    },
  };
}

export type SenderConfig = ReturnType<typeof readSenderConfig>;

/** `command`: `migrate` reads no keyring (its Job is given only the database). */
export function readSenderConfig(source: NodeJS.ProcessEnv = process.env, command?: string) {
  const spec =
    command === 'migrate'
      ? { ...senderEnv, SECRETS_ENCRYPTION_KEYS: keyringNotRead(senderEnv.SECRETS_ENCRYPTION_KEYS.description) }
      : senderEnv;
  return readConfig(spec, source, [...commonChecks, retentionChecks]);
}
