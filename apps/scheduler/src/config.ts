import { commonChecks, commonEnv, env, readConfig } from '@lib/config';

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
};

export type SchedulerConfig = ReturnType<typeof readSchedulerConfig>;

export function readSchedulerConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(schedulerEnv, source, commonChecks);
}
