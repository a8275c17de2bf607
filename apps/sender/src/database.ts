import { databaseTlsOf } from '@lib/config';
import type { DatabaseOptions } from '@lib/database';
import type { SenderConfig } from './config';
import { senderMigrations } from './migrations';

export function senderDatabase(config: SenderConfig): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    tls: databaseTlsOf(config),
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: 'sender',
    entities: [],
    migrations: senderMigrations,
  };
}
