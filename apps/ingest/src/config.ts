import { commonEnv, env, readConfig } from '@lib/config';

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
};

export type IngestConfig = ReturnType<typeof readIngestConfig>;

export function readIngestConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(ingestEnv, source);
}
