import { databaseTlsOf } from '@lib/config';
import type { DatabaseOptions } from '@lib/database';
import type { IngestConfig } from './config';
import { ingestMigrations } from './migrations';

export function ingestDatabase(config: IngestConfig): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    tls: databaseTlsOf(config),
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: 'ingest',
    entities: [],
    migrations: ingestMigrations,
  };
}
