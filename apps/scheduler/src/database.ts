import { databaseTlsOf } from '@lib/config';
import type { DatabaseOptions } from '@lib/database';
import type { SchedulerConfig } from './config';
import { schedulerMigrations } from './migrations';

export function schedulerDatabase(config: SchedulerConfig): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    tls: databaseTlsOf(config),
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: 'scheduler',
    // Repositories speak SQL; the tables are the migrations' (never `synchronize`).
    entities: [],
    migrations: schedulerMigrations,
  };
}
