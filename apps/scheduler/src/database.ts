import type { DatabaseOptions } from '@lib/database';
import type { SchedulerConfig } from './config';
import { schedulerMigrations } from './migrations';

export function schedulerDatabase(config: SchedulerConfig): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: 'scheduler',
    entities: [],
    migrations: schedulerMigrations,
  };
}
