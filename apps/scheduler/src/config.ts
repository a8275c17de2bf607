import { commonChecks, commonEnv, env, readConfig, type EnvVar } from '@lib/config';
import { consoleSigningKeysEnv } from '@lib/console-access';
import { phoneHashKeyEnv } from '@lib/secrets';

export const schedulerEnv = {
  ...commonEnv('scheduler', 3002),
  SCHEDULER_GROUP_ID: env.string('Consumer group of cart-events, store-settings and message-outcomes', {
    default: 'scheduler',
  }),
  SCHEDULER_CONSUMER_CONCURRENCY: env.int('Partitions (of the three input topics) handled at once by one instance', {
    default: 4,
    min: 1,
    max: 64,
  }),
  SCHEDULER_TIMER_WORKERS: env.int('Timer loops per instance claiming due carts (FOR UPDATE SKIP LOCKED)', {
    default: 2,
    min: 1,
    max: 16,
  }),
  SCHEDULER_TIMER_BATCH_SIZE: env.int('Due carts claimed, emitted and marked in one transaction', {
    default: 1000,
    min: 1,
    max: 20_000,
  }),
  SCHEDULER_TIMER_SAFETY_POLL_MS: env.int(
    'Longest sleep of an idle timer loop; LISTEN/NOTIFY and local scheduling wake it earlier',
    { default: 10_000, min: 100 },
  ),
  SCHEDULER_TIMER_MIN_GAP_MS: env.int(
    'Shortest pause between two claims that did not fill a batch (groups due carts into fewer transactions)',
    { default: 20, min: 0, max: 5000 },
  ),
  SCHEDULER_TIMER_TX_TIMEOUT_MS: env.int(
    'idle_in_transaction_session_timeout of a claim: a wedged instance releases its claimed carts after this',
    { default: 60_000, min: 1000 },
  ),
  // Retention (docs/data-lifecycle.md): what the purge may delete, and how hard it works.
  RETENTION_CLOSED_CART_DAYS: env.int(
    "Days a cart is kept after its last change (no timer, every message settled): then rolled up into stats_daily and deleted with its episodes and outcomes. At least 30: longer than cart-events' 22 days, so no replay brings part of a purged cart back",
    { default: 90, min: 30, max: 3650 },
  ),
  RETENTION_CONTACT_HOLD_DAYS: env.int(
    "Days a shopper's contact row is kept after its frequency hold and last message ended (never an opt-out). At least 22: a message deferred up to 14 days can still report late (message-outcomes keeps 7 days) and move the hold",
    { default: 30, min: 22, max: 3650 },
  ),
  RETENTION_DELETED_STORE_DAYS: env.int(
    "Days after a store's deletion (DELETE /v1/stores/{id}, a store-settings tombstone) before every row of it goes: its carts, episodes, outcomes, clicks, contacts (opt-outs too), consent records and daily stats, whatever their age. The grace lets a platform undo a mistaken deletion by PUTting the store again, which keeps everything",
    { default: 30, min: 1, max: 3650 },
  ),
  SCHEDULER_PURGE_ENABLED: env.bool('Run the retention purge on this instance (instances take turns on a lock)', {
    default: true,
  }),
  SCHEDULER_PURGE_BATCH_SIZE: env.int('Rows one purge transaction looks at (and may roll up and delete)', {
    default: 500,
    min: 1,
    max: 10_000,
  }),
  SCHEDULER_PURGE_PAUSE_MS: env.int('Pause between two purge transactions of a sweep (off the hot path)', {
    default: 200,
    min: 0,
    max: 60_000,
  }),
  SCHEDULER_PURGE_INTERVAL_MS: env.int('Pause between two sweeps of the tables, once a sweep reached their end', {
    default: 3_600_000,
    min: 100,
  }),
  EXPERIMENT_ASSIGNMENT_KEY: experimentAssignmentKeyEnv(
    'Key of the holdout and A/B variant draws (HMAC-SHA-256 of store, period and phone; docs/scheduler.md "Holdout", "Variants"), at least 32 characters, the same on every instance; changing it draws every shopper again. Unset: no store\'s shoppers are held out nor drawn into a variant, whatever its experiments',
  ),
  ERASURE_HASH_KEY: phoneHashKeyEnv(
    "Key of the phones' keyed hashes (HMAC-SHA256, 32 bytes in base64), ingest's and the sender's same key: an erased shopper's cart events still on cart-events are known by it and dropped. Unset: erasure requests wait on their topic",
  ),
  CONSOLE_SIGNING_KEYS: consoleSigningKeysEnv(
    "Keys verifying the merchant console's tokens for its stats: ingest's CONSOLE_SIGNING_KEYS, the same list. Unset: the console's stats are refused",
  ),
};

/** A secret (`_FILE` accepted): long enough that nobody can guess a shopper's arm. */
function experimentAssignmentKeyEnv(description: string): EnvVar<string | undefined> {
  return {
    description,
    secret: true,
    parse(raw) {
      if (raw === undefined) return undefined;
      if (raw.length < 32) throw new Error('must be at least 32 characters');
      return raw;
    },
  };
}

export type SchedulerConfig = ReturnType<typeof readSchedulerConfig>;

export function readSchedulerConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(schedulerEnv, source, commonChecks);
}
